// The simulated platform's monotonic counters, one per store (several stores share a platform: cf-osutility's
// policy domains): a decimal number in <platform directory>/rollback-counter-<16 hex of SHA-256(name)>, raised
// under an exclusive flock and written atomically and durably. It plays the part a TPM NV counter will play
// (issue 18) and is no boundary: whoever can write the platform directory can lower it (SECURITY.md, Rollback).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace cf::attest::simulated {

inline constexpr char kCounterFilePrefix[] = "rollback-counter-";

// The file that holds the counter called `name` (the store's path).
Result<std::string> CounterPath(const std::string& directory, const std::string& name);
// 0 when the file does not exist yet (a new store, or one made before counters existed).
Result<uint64_t> ReadCounter(const std::string& directory, const std::string& name);
// Raises the counter to `to`; never lowers it (two processes of one store may race: the larger value wins).
Status AdvanceCounter(const std::string& directory, const std::string& name, uint64_t to);

}  // namespace cf::attest::simulated
