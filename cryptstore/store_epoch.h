// The store's security epoch: a number in the key record (cf_pkcs11.StoreKeys) that every security-relevant write
// raises and that the platform's monotonic counter mirrors. An epoch below the counter means the files are an
// older copy (rollback). The epoch is MACed together with the PIN wraps and failed-attempt counters under a key
// derived from the platform data key, so neither can be edited or spliced from another copy without the platform.
// Knows nothing of backends or of which platform keeps the counter.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "proto/cf_pkcs11.pb.h"

namespace cf::store {

// Sets keys.epoch and keys.epoch_mac.
Status SealEpoch(ByteView platform_key, uint64_t epoch, cf_pkcs11::StoreKeys& keys);
// The record's epoch once its MAC checks (kCorrupt naming `path` otherwise). A record without a MAC was written
// before epochs existed: epoch 0, so a platform counter above 0 still reports it as rolled back.
Result<uint64_t> VerifiedEpoch(ByteView platform_key, const cf_pkcs11::StoreKeys& keys, const std::string& path);

// The refusal both backends give, with the values and what to do.
Status RolledBackError(const std::string& path, uint64_t epoch, uint64_t counter);

}  // namespace cf::store
