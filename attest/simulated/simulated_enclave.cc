// Seal/Unseal/Attest of the simulated platform. The sealing AAD carries the measurement, so a blob sealed for one
// measurement never opens under another (kUnauthenticated), just as on real hardware.
#include "attest/simulated/simulated_enclave.h"

#include "attest/simulated/platform_counter.h"
#include "attest/simulated/report.h"
#include "common/aead.h"

namespace cf::attest {
namespace {

constexpr char kSealLabel[] = "cf-pkcs11 simulated-enclave seal v1";

Bytes SealAad(const Bytes& measurement) {
  Bytes aad = ToBytes(kSealLabel);
  aad.push_back(0);  // the label is fixed, so label||0||measurement is unambiguous
  aad.insert(aad.end(), measurement.begin(), measurement.end());
  return aad;
}

}  // namespace

Result<std::unique_ptr<SimulatedEnclave>> SimulatedEnclave::Open(const EnclaveOptions& options) {
  CF_ASSIGN_OR_RETURN(simulated::PlatformState state, simulated::LoadOrCreatePlatform(options));
  return std::unique_ptr<SimulatedEnclave>(new SimulatedEnclave(std::move(state), options.directory));
}

Result<std::optional<uint64_t>> SimulatedEnclave::ReadCounter(const std::string& name) {
  CF_ASSIGN_OR_RETURN(uint64_t value, simulated::ReadCounter(directory_, name));
  return std::optional<uint64_t>(value);
}

Status SimulatedEnclave::AdvanceCounter(const std::string& name, uint64_t to) {
  return simulated::AdvanceCounter(directory_, name, to);
}

Result<Bytes> SimulatedEnclave::Seal(ByteView secret) {
  return aead::Seal(state_.sealing_key, secret, SealAad(state_.measurement));
}

Result<SecureBytes> SimulatedEnclave::Unseal(ByteView sealed) {
  if (sealed.size() < aead::kOverhead)
    return Status(Code::kCorrupt, "sealed blob is " + std::to_string(sealed.size()) + " bytes, shorter than the " +
                                      std::to_string(aead::kOverhead) + "-byte envelope: it was truncated");
  auto opened = aead::Open(state_.sealing_key, sealed, SealAad(state_.measurement));
  if (!opened.ok())
    return Status(Code::kUnauthenticated, "sealed blob does not open on this simulated platform (measurement " +
                                              HexEncode(state_.measurement) +
                                              "): it was sealed by another platform or measurement, or altered");
  return opened;
}

Result<Bytes> SimulatedEnclave::Attest(ByteView what_to_say) {
  return simulated::SignedReport(state_.attest_key.get(), state_.attest_public, state_.measurement, what_to_say);
}

Result<std::vector<wire::evidence>> SimulatedEnclave::PlatformEvidence() {
  wire::evidence ev;
  ev.set_evidence_type("signed-claim");
  ev.set_serialized_evidence(state_.attest_key_claim.SerializeAsString());
  return std::vector<wire::evidence>{ev};
}

}  // namespace cf::attest
