// Envelope: how one entry's bytes are bound to it. Blobs are AES-256-GCM under the tier's data key with AAD =
// length-prefixed (label, id, tag, type, version, tier), so a blob cannot be moved to another entry, version or tier.
// Also the keyed lookup of (tag, type) that lets the sqlite backend index entries without storing names in clear.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "cryptstore/store.h"

namespace cf::store {

inline constexpr size_t kDataKeySize = 32;

// Unambiguous AAD: every field is length-prefixed (8-byte big-endian), numbers as 8-byte big-endian.
Bytes EntryAad(std::string_view label, uint64_t id, std::string_view tag, std::string_view type, int32_t version,
               Tier tier);

Result<Bytes> SealEntryBlob(ByteView data_key, uint64_t id, std::string_view tag, std::string_view type,
                            int32_t version, Tier tier, ByteView blob);
// kCorrupt names the entry when the blob does not authenticate (tampered, moved, or wrong key).
Result<SecureBytes> OpenEntryBlob(ByteView data_key, uint64_t id, std::string_view tag, std::string_view type,
                                  int32_t version, Tier tier, ByteView sealed);

// HMAC-SHA256 over `data` under a key derived from `data_key` for `purpose` (separate keys per use).
Result<Bytes> KeyedHash(ByteView data_key, std::string_view purpose, ByteView data);
// The lookup column of the sqlite backend: KeyedHash(platform key, "lookup", len||tag||len||type).
Result<Bytes> LookupHash(ByteView platform_key, std::string_view tag, std::string_view type);

}  // namespace cf::store
