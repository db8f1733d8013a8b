// protect_blob / unprotect_blob of the framework, for its cryptstore and policy store files.
#include "cryptstore/framework_file.h"

#include <openssl/crypto.h>

#include "common/atomic_file.h"
#include "common/cf_cipher.h"
#include "common/random.h"
#include "common/time_text.h"
#include "proto/certifier.pb.h"

namespace cf::store {
namespace {

constexpr size_t kMaxFrameworkFile = 256u << 20;
constexpr int64_t kFileKeyValiditySeconds = 365LL * 24 * 3600;

}  // namespace

Result<FrameworkFileContent> ReadFrameworkFile(const std::string& path, Sealer& sealer, const std::string& what) {
  auto raw = ReadFile(path, kMaxFrameworkFile);
  if (!raw.ok()) return raw.status().Annotate("reading " + what + " '" + path + "'");
  wire::protected_blob_message blob;
  if (raw->empty() || !blob.ParseFromArray(raw->data(), static_cast<int>(raw->size())) || !blob.has_encrypted_key() ||
      !blob.has_encrypted_data())
    return Status(Code::kCorrupt, what + " '" + path + "' (" + std::to_string(raw->size()) +
                                      " bytes) is not the framework's protected blob: truncated or damaged");
  auto key_bytes = sealer.Unseal(AsBytes(blob.encrypted_key()));
  if (!key_bytes.ok())
    return key_bytes.status().Annotate("cannot unseal the file key of " + what + " '" + path +
                                       "' (sealed on another platform, for another measurement, or damaged)");
  wire::key_message key;
  bool parsed = key.ParseFromArray(key_bytes->data(), static_cast<int>(key_bytes->size()));
  FrameworkFileContent out;
  out.key_type = key.key_type();
  if (!parsed || cfcipher::KeySize(key.key_type()) != key.secret_key_bits().size())
    return Status(Code::kUnimplemented, what + " '" + path + "' is encrypted with '" + key.key_type() +
                                            "'; the framework's aes-256-gcm and aes-256-cbc-hmac-sha256 are read");
  SecureBytes file_key = ToSecure(key.secret_key_bits());
  OPENSSL_cleanse(key.mutable_secret_key_bits()->data(), key.secret_key_bits().size());
  auto plain = cfcipher::Decrypt(key.key_type(), file_key, AsBytes(blob.encrypted_data()));
  if (!plain.ok()) return plain.status().Annotate(what + " '" + path + "' does not authenticate (changed or damaged)");
  out.plaintext = std::move(plain).value();
  return out;
}

Status WriteFrameworkFile(const std::string& path, Sealer& sealer, ByteView plaintext, const std::string& key_type,
                          const std::string& key_name) {
  size_t key_size = cfcipher::KeySize(key_type);
  if (key_size == 0)
    return Status(Code::kInvalidArgument,
                  "cannot seal '" + path + "' with '" + key_type + "'; use aes-256-gcm or aes-256-cbc-hmac-sha256");
  CF_ASSIGN_OR_RETURN(SecureBytes file_key, RandomSecret(key_size));
  wire::key_message key;
  key.set_key_name(key_name);
  key.set_key_type(key_type);
  key.set_key_format("vse-key");
  key.set_secret_key_bits(file_key.data(), file_key.size());
  int64_t now = NowSeconds();
  key.set_not_before(FormatTime(now));
  key.set_not_after(FormatTime(now + kFileKeyValiditySeconds));
  SecureString serialized(key.ByteSizeLong(), '\0');
  key.SerializeToArray(serialized.data(), static_cast<int>(serialized.size()));
  OPENSSL_cleanse(key.mutable_secret_key_bits()->data(), key.secret_key_bits().size());
  CF_ASSIGN_OR_RETURN(Bytes sealed_key, sealer.Seal(AsBytes(std::string_view(serialized))));
  CF_ASSIGN_OR_RETURN(Bytes data, cfcipher::Encrypt(key_type, file_key, plaintext));
  wire::protected_blob_message blob;
  blob.set_encrypted_key(AsString(sealed_key));
  blob.set_encrypted_data(AsString(data));
  return WriteFileAtomic(path, AsBytes(blob.SerializeAsString()), 0600).Annotate("writing '" + path + "'");
}

}  // namespace cf::store
