// Enclave: the one interface to a platform that seals and attests. Backends are chosen by name in one factory
// (OpenEnclave); the simulated enclave is always built (development, CI), SEV-SNP talks to /dev/sev-guest.
// Verification of evidence lives beside this (verify_*.h), not in the backends.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest {

inline constexpr char kSimulatedEnclave[] = "simulated-enclave";
inline constexpr char kSevEnclave[] = "sev-enclave";

class Enclave {
 public:
  virtual ~Enclave() = default;
  // "simulated-enclave" or "sev-enclave" (the framework's enclave type strings).
  virtual const std::string& type() const = 0;
  // The measurement this platform reports for us (simulated: configured at init; SNP: launch digest, 48 bytes).
  virtual const Bytes& measurement() const = 0;

  // Sealing binds a small secret to this platform and measurement.
  virtual Result<Bytes> Seal(ByteView secret) = 0;
  // kUnauthenticated: sealed by another platform or measurement; kCorrupt: altered.
  virtual Result<SecureBytes> Unseal(ByteView sealed) = 0;

  // Evidence that this platform says `what_to_say` (a serialized attestation_user_data): simulated -> serialized
  // signed_report ("vse-attestation-report"); SNP -> serialized sev_attestation_message with the raw report whose
  // report_data starts with SHA-384(what_to_say).
  virtual Result<Bytes> Attest(ByteView what_to_say) = 0;

  // The evidence that goes before the attestation in an evidence package, in the framework's fixed order
  // (simulated: the signed claim "platformKey says attestKey is-trusted-for-attestation"; SNP: ARK, ASK, VCEK).
  virtual Result<std::vector<wire::evidence>> PlatformEvidence() = 0;
  // The framework's submitted_evidence_type for this platform ("vse-attestation-package", "sev-platform-package").
  virtual std::string evidence_type() const = 0;
};

struct EnclaveOptions {
  std::string type = kSimulatedEnclave;
  // Where platform state lives (simulated: platform and attestation keys, sealing key, measurement file).
  std::string directory;
  bool create_if_missing = true;
  // Simulated only: the measurement to report when the platform is first created (empty: 32 random bytes).
  Bytes initial_measurement;
};

// kInvalidArgument names the known types when `type` is unknown; kUnimplemented when the platform is absent here.
Result<std::unique_ptr<Enclave>> OpenEnclave(const EnclaveOptions& options);

}  // namespace cf::attest
