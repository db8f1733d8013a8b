// SimulatedEnclave: a real, software-only Enclave for development and CI. Seal = AES-256-GCM under the platform's
// random sealing key, bound to the measurement through the AAD; Attest = the framework's signed vse attestation
// report under attestKey. Not a security boundary: whoever reads the platform directory is the platform.
#pragma once

#include <memory>

#include "attest/enclave.h"
#include "attest/simulated/platform_state.h"

namespace cf::attest {

class SimulatedEnclave final : public Enclave {
 public:
  static Result<std::unique_ptr<SimulatedEnclave>> Open(const EnclaveOptions& options);

  const std::string& type() const override { return type_; }
  const Bytes& measurement() const override { return state_.measurement; }
  Result<Bytes> Seal(ByteView secret) override;
  Result<SecureBytes> Unseal(ByteView sealed) override;
  Result<Bytes> Attest(ByteView what_to_say) override;
  Result<std::vector<wire::evidence>> PlatformEvidence() override;
  std::string evidence_type() const override { return "vse-attestation-package"; }
  // The counter file in the platform directory (platform_counter.h).
  Result<std::optional<uint64_t>> ReadCounter(const std::string& name) override;
  Status AdvanceCounter(const std::string& name, uint64_t to) override;

  // What a policy must trust ("policyKey says platformKey is-trusted-for-attestation").
  const wire::key_message& platform_public_key() const { return state_.platform_public; }
  const wire::key_message& attest_public_key() const { return state_.attest_public; }
  const wire::signed_claim_message& attest_key_claim() const { return state_.attest_key_claim; }

 private:
  SimulatedEnclave(simulated::PlatformState state, std::string directory)
      : state_(std::move(state)), directory_(std::move(directory)) {}
  std::string type_ = kSimulatedEnclave;
  simulated::PlatformState state_;
  std::string directory_;
};

}  // namespace cf::attest
