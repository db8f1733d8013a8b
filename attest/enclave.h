// Enclave: the one interface to a platform that seals and attests. Backends are chosen by name in one factory
// (OpenEnclave); the simulated enclave is always built (development, CI), SEV-SNP uses configfs-tsm/sev-guest.
// Verification of evidence lives beside this (verify_*.h), not in the backends.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest {

inline constexpr char kSimulatedEnclave[] = "simulated-enclave";
inline constexpr char kSevEnclave[] = "sev-enclave";
inline constexpr char kTpmEnclave[] = "tpm-enclave";
inline constexpr char kTdxEnclave[] = "tdx-enclave";  // ours: the framework names no TDX enclave type

class Enclave {
 public:
  virtual ~Enclave() = default;
  // "simulated-enclave", "sev-enclave" or "tpm-enclave" (the framework's enclave type strings).
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

  // Monotonic counters kept by the platform, one per store (`name`: the store's path), so a restored older copy
  // of a store is detected (rollback). nullopt: the platform has none — the default, and SEV-SNP's (a guest has
  // no counter that survives the host). AdvanceCounter raises one to `to` and never lowers it; on a platform
  // without counters there is nothing to raise, and every store write asks (after each epoch bump), so that is
  // not an error: the store already says once that rollback cannot be detected here.
  virtual Result<std::optional<uint64_t>> ReadCounter(const std::string& name) {
    (void)name;
    return std::optional<uint64_t>();
  }
  virtual Status AdvanceCounter(const std::string& name, uint64_t to) {
    (void)name;
    (void)to;
    return Status::Ok();
  }
};

struct EnclaveOptions {
  std::string type = kSimulatedEnclave;
  // Where platform state lives (simulated: platform and attestation keys, sealing key, measurement file).
  std::string directory;
  bool create_if_missing = true;
  // Simulated only: the measurement to report when the platform is first created (empty: 32 random bytes).
  Bytes initial_measurement;
  // TPM only: the TSS TCTI (empty: $CF_PKCS11_TPM_TCTI, else "device:/dev/tpmrm0") and the PCRs sealing and
  // quotes cover ("7", "0,2,7": SHA-256 bank; empty: "7").
  std::string tpm_tcti;
  std::string tpm_pcrs;
};

// kInvalidArgument names the known types when `type` is unknown; kUnimplemented when the platform is absent here.
Result<std::unique_ptr<Enclave>> OpenEnclave(const EnclaveOptions& options);

}  // namespace cf::attest
