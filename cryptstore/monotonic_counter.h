// MonotonicCounter: a counter kept by the platform that never goes back, so the store can tell a restored older
// copy of its files from the newest one (rollback). Handed in by the enclave adapter like the Sealer; the store
// never knows which platform keeps it (simulated: a file in its platform directory; later a TPM NV counter).
#pragma once

#include <cstdint>
#include <optional>

#include "common/status.h"

namespace cf::store {

class MonotonicCounter {
 public:
  virtual ~MonotonicCounter() = default;
  // The counter's value, or nullopt when this platform has no counter (SEV-SNP guests): rollback is then not
  // detectable and the store says so once in the log.
  virtual Result<std::optional<uint64_t>> Read() = 0;
  // Raises the counter to `to`; a value at or below the current one leaves it unchanged (another process of the
  // same store may have advanced it further). Durable when it returns OK.
  virtual Status AdvanceTo(uint64_t to) = 0;
};

}  // namespace cf::store
