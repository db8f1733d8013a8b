// The adapters that let a store use a platform (attest::Enclave) without knowing it: the store sees a Sealer and a
// MonotonicCounter only (cryptstore/sealer.h, monotonic_counter.h). The one copy for the module, cf-osutility and the
// benchmarks; the enclave stays shared with whoever else needs it (the certification client).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "attest/enclave.h"
#include "cryptstore/monotonic_counter.h"
#include "cryptstore/sealer.h"

namespace cf::tokendir {

class EnclaveSealer : public store::Sealer {
 public:
  explicit EnclaveSealer(std::shared_ptr<attest::Enclave> enclave) : enclave_(std::move(enclave)) {}
  Result<Bytes> Seal(ByteView secret) override { return enclave_->Seal(secret); }
  Result<SecureBytes> Unseal(ByteView sealed) override { return enclave_->Unseal(sealed); }

 private:
  std::shared_ptr<attest::Enclave> enclave_;
};

// The platform's monotonic counter of one store, for its rollback check; a platform without one answers nullopt.
// Named by the store's path: cf-osutility's policy domains are several stores on one platform.
class EnclaveCounter : public store::MonotonicCounter {
 public:
  EnclaveCounter(std::shared_ptr<attest::Enclave> enclave, std::string name)
      : enclave_(std::move(enclave)), name_(std::move(name)) {}
  Result<std::optional<uint64_t>> Read() override { return enclave_->ReadCounter(name_); }
  Status AdvanceTo(uint64_t to) override { return enclave_->AdvanceCounter(name_, to); }

 private:
  std::shared_ptr<attest::Enclave> enclave_;
  std::string name_;
};

}  // namespace cf::tokendir
