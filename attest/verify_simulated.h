// Verification of the simulated enclave's attestation: a signed_report ("vse-attestation-report") whose report
// is a vse_attestation_report_info signed by the attestation key it embeds. Trust in that key comes from the
// platform's signed claim and the policy, not from here.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest {

inline constexpr char kVseReportFormat[] = "vse-attestation-report";

struct SimulatedAttestation {
  wire::key_message attest_key;  // public
  Bytes measurement;
  wire::attestation_user_data user_data;
  std::string what_was_said;  // serialized user data as signed
};

// Checks the format, the signature under the embedded key (by its signing_algorithm), the report's validity
// window at `now` and that user_data parses.
Result<SimulatedAttestation> VerifySignedReport(const wire::signed_report& report, int64_t now);

}  // namespace cf::attest
