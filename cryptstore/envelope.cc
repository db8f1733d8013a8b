// Entry envelopes (AES-256-GCM with entry-bound AAD) and keyed lookups (HMAC-SHA256 under derived keys).
#include "cryptstore/envelope.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "common/aead.h"
#include "common/ossl.h"
#include "common/ossl_context.h"

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
  size_t len = 0;
  EVP_MAC* hmac = ossl::FetchedMac("HMAC");
  ossl::MacCtx ctx(hmac == nullptr ? nullptr : EVP_MAC_CTX_new(hmac));
  char digest[] = "SHA2-256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 || EVP_MAC_final(ctx.get(), mac, &len, sizeof(mac)) != 1)
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
