// The readable policy language of `cf-policy compile`, turned into signed statements (a signed_claim_sequence
// the framework's Go service also reads). One statement per line; '#' starts a comment:
//   trust-measurement <hex>                 policyKey says Measurement[hex] is-trusted
//   trust-platform-key <file>               policyKey says <key> is-trusted-for-attestation (key_message, cert,
//                                           or a TPM attestation key's ak.pub)
//   trust-tpm-pcrs <pcrs> <hex>...          trust-measurement of the TPM measurement of these SHA-256 PCR values
//                                           ("7 <64 hex>", "0,7 <pcr0> <pcr7>"; attest/tpm/pcr.h)
//   platform amd-sev-snp|intel-tdx          starts a platform template (a first `property` starts an SNP one)
//                                           TDX: trust-measurement <MRTD>, trust-platform-key <Intel SGX Root CA
//                                           cert>, properties debug, rtmr0..3, mrconfigid, mrowner, mrownerconfig,
//                                           mrseam (hex text), td-attributes, xfam, tee-tcb-svn-0..15 (ints);
//                                           with the certifier's collateral: tcb-status, qe-status,
//                                           tdx-module-status, tcb-date, advisory-ids (text),
//                                           tcb-evaluation-data-number (int). Several templates of one type are
//                                           alternatives (any one admits): one per accepted tcb-status
//   property <name> <=|>=|<=> <value>       yes/no or text -> string property; decimal or 0x.. -> int;
//                                           32+ hex digits (a measurement register) -> lower-case hex text
//   admission-validity-days <n>             validity of the admission certificates issued
//   property-mapping amd-abi|cf-go-compat   SNP policy bit names (cf-go-compat for the framework's Go service)
//   statement-validity-days <n>             validity of the signed statements themselves (default 3650)
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

using FileReader = std::function<Result<Bytes>(const std::string& path)>;

// kInvalidArgument names the line number and what is wrong with it.
Result<wire::signed_claim_sequence> CompilePolicy(std::string_view text, const wire::key_message& policy_key,
                                                  const FileReader& read_file, int64_t now);

// A platform key from a file: a serialized key_message, a TPM attestation key (marshalled TPM2B_PUBLIC, ak.pub),
// or a PEM/DER certificate whose public key is used.
Result<wire::key_message> LoadPlatformKey(ByteView data);

}  // namespace cf::certifier
