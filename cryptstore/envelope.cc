// Entry envelopes (AES-256-GCM with entry-bound AAD) and keyed lookups (HMAC-SHA256 under derived keys).
#include "cryptstore/envelope.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/aead.h"
#include "common/ossl.h"

namespace cf::store {
namespace {

void PutU64(Bytes& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutField(Bytes& out, std::string_view s) {
  PutU64(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

Result<Bytes> Hmac(ByteView key, ByteView data) {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), mac, &len) == nullptr)
    return ossl::Error("HMAC-SHA256");
  return Bytes(mac, mac + len);
}

}  // namespace

Bytes EntryAad(std::string_view label, uint64_t id, std::string_view tag, std::string_view type, int32_t version,
               Tier tier) {
  Bytes aad;
  aad.reserve(6 * 8 + label.size() + tag.size() + type.size());  // one allocation: this runs once per entry read
  PutField(aad, label);
  PutU64(aad, id);
  PutField(aad, tag);
  PutField(aad, type);
  PutU64(aad, static_cast<uint64_t>(static_cast<int64_t>(version)));
  PutU64(aad, static_cast<uint64_t>(tier));
  return aad;
}

Result<Bytes> SealEntryBlob(ByteView data_key, uint64_t id, std::string_view tag, std::string_view type,
                            int32_t version, Tier tier, ByteView blob) {
  return aead::Seal(data_key, blob, EntryAad("cf-pkcs11 entry v1", id, tag, type, version, tier));
}

Result<SecureBytes> OpenEntryBlob(ByteView data_key, uint64_t id, std::string_view tag, std::string_view type,
                                  int32_t version, Tier tier, ByteView sealed) {
  auto opened = aead::Open(data_key, sealed, EntryAad("cf-pkcs11 entry v1", id, tag, type, version, tier));
  if (!opened.ok())
    return Status(Code::kCorrupt, "entry " + std::to_string(id) + " (tag '" + std::string(tag) + "' version " +
                                      std::to_string(version) +
                                      ") failed authentication: its stored blob was "
                                      "altered or moved; restore it from a backup or remove it");
  return opened;
}

Result<Bytes> KeyedHash(ByteView data_key, std::string_view purpose, ByteView data) {
  // Derive a per-purpose key so the data key itself is never used as an HMAC key.
  CF_ASSIGN_OR_RETURN(Bytes derived, Hmac(data_key, AsBytes(std::string("cf-pkcs11 derive ") + std::string(purpose))));
  auto out = Hmac(derived, data);
  OPENSSL_cleanse(derived.data(), derived.size());
  return out;
}

Result<Bytes> LookupHash(ByteView platform_key, std::string_view tag, std::string_view type) {
  Bytes data;
  PutField(data, tag);
  PutField(data, type);
  return KeyedHash(platform_key, "lookup", data);
}

}  // namespace cf::store
