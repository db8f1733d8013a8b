// Evidence package -> verified statements. Signatures, certificate chains and bindings are checked here (verify);
// nothing here consults the policy (appraise happens in prover.cc). Supported: "vse-attestation-package"
// (simulated enclave), "sev-platform-package" (AMD SEV-SNP) and "tpm-platform-package" (TPM 2.0 quotes), in the
// framework's fixed evidence order, and "tdx-platform-package" (Intel TDX, ours: one "tdx-attestation" item,
// WIRE.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "certifier/properties.h"
#include "certifier/tdx_collateral.h"
#include "common/bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

inline constexpr char kSimulatedPackage[] = "vse-attestation-package";
inline constexpr char kSevPackage[] = "sev-platform-package";
inline constexpr char kTpmPackage[] = "tpm-platform-package";
inline constexpr char kTdxPackage[] = "tdx-platform-package";
inline constexpr char kTdxAttestation[] = "tdx-attestation";

struct EvidenceFacts {
  std::string package_type;
  // Statements the evidence makes, each "K says X", in evidence order.
  std::vector<wire::vse_clause> said;
  wire::key_message enclave_key;  // from the attested user data
  wire::attestation_user_data user_data;
  Bytes measurement;
  // The key the policy must trust for attestation: simulated -> platform key; SEV -> ARK; TPM -> the AK; TDX -> the
  // root of the quote's PCK chain (Intel SGX Root CA).
  wire::key_message root_key;
  // SEV and TDX.
  wire::environment environment;
  // TDX: why a collateral property is absent from the platform (no collateral configured), for the denial.
  AbsenceReasons absent;
};

// kUnimplemented for evidence types we do not verify (OE, Gramine, Keystone, Islet); kInvalidArgument for a
// package in the wrong shape; kUnauthenticated for a signature that fails. `tdx`: the operator's TDX collateral
// (CRLs checked on the PCK chain when it has them; with TCB collateral, the TCB verdict becomes properties or the
// refusal); nullptr or an empty set: neither.
Result<EvidenceFacts> VerifyEvidence(const wire::trust_request_message& request, PropertyMapping mapping, int64_t now,
                                     const TdxCollateralSet* tdx = nullptr);

}  // namespace cf::certifier
