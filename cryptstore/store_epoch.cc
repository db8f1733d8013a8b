// Epoch MAC over an explicit, length-prefixed encoding of the key record (not the protobuf serialization, which
// is not canonical across library versions): a record written by one build must verify in the next.
#include "cryptstore/store_epoch.h"

#include <openssl/crypto.h>

#include "cryptstore/envelope.h"

namespace cf::store {
namespace {

constexpr char kEpochPurpose[] = "store-epoch v1";

void PutU64(Bytes& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutField(Bytes& out, std::string_view s) {
  PutU64(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}
void PutWrap(Bytes& out, bool present, const cf_pkcs11::StorePinWrap& w) {
  PutU64(out, present ? 1 : 0);
  if (!present) return;
  PutField(out, w.salt());
  PutU64(out, w.iterations());
  PutField(out, w.sealed_wrapped_key());
  PutU64(out, w.failed_attempts());
}

Result<Bytes> EpochMac(ByteView platform_key, uint64_t epoch, const cf_pkcs11::StoreKeys& keys) {
  Bytes data;
  PutU64(data, keys.schema_version());
  PutField(data, keys.sealed_platform_key());
  PutWrap(data, keys.has_so(), keys.so());
  PutWrap(data, keys.has_user(), keys.user());
  PutU64(data, epoch);
  return KeyedHash(platform_key, kEpochPurpose, data);
}

}  // namespace

Status SealEpoch(ByteView platform_key, uint64_t epoch, cf_pkcs11::StoreKeys& keys) {
  CF_ASSIGN_OR_RETURN(Bytes mac, EpochMac(platform_key, epoch, keys));
  keys.set_epoch(epoch);
  keys.set_epoch_mac(AsString(mac));
  return Status::Ok();
}

Result<uint64_t> VerifiedEpoch(ByteView platform_key, const cf_pkcs11::StoreKeys& keys, const std::string& path) {
  if (!keys.has_epoch_mac()) {
    if (keys.epoch() != 0)
      return Status(Code::kCorrupt, "key record of store '" + path + "' has epoch " + std::to_string(keys.epoch()) +
                                        " without its MAC (altered); restore the store from a backup");
    return uint64_t{0};
  }
  CF_ASSIGN_OR_RETURN(Bytes mac, EpochMac(platform_key, keys.epoch(), keys));
  if (mac.size() != keys.epoch_mac().size() || CRYPTO_memcmp(mac.data(), keys.epoch_mac().data(), mac.size()) != 0)
    return Status(Code::kCorrupt, "key record of store '" + path +
                                      "' fails authentication (PIN data, failed-attempt counters or epoch were "
                                      "altered); restore the store from a backup");
  return keys.epoch();
}

Status RolledBackError(const std::string& path, uint64_t epoch, uint64_t counter) {
  return Status(Code::kRolledBack, "store epoch " + std::to_string(epoch) + " on disk, platform counter " +
                                       std::to_string(counter) + ": the store files '" + path +
                                       "' were restored from an older copy; restore the newest copy or "
                                       "re-initialise the token (remove its directory)");
}

}  // namespace cf::store
