// signed_report checks for the simulated enclave; the signature scheme comes from verify_signature so the name in
// signing_algorithm is honoured (the framework's Go service assumed RSA-SHA256 for all).
#include "attest/verify_simulated.h"

#include "attest/verify_signature.h"
#include "common/time_text.h"
#include "proto/key_codec.h"

namespace cf::attest {

Result<SimulatedAttestation> VerifySignedReport(const wire::signed_report& report, int64_t now) {
  if (report.report_format() != kVseReportFormat) {
    return Status(Code::kInvalidArgument,
                  "signed report format '" + report.report_format() + "' is not " + kVseReportFormat);
  }
  if (!report.has_signing_key()) return Status(Code::kInvalidArgument, "signed report names no signing key");
  CF_ASSIGN_OR_RETURN(ossl::PKey key, keys::PKeyFromKeyMessage(report.signing_key()));
  Status sig =
      VerifySignature(key.get(), report.signing_algorithm(), AsBytes(report.report()), AsBytes(report.signature()));
  if (!sig.ok()) return sig.Annotate("simulated attestation report");
  wire::vse_attestation_report_info info;
  if (!info.ParseFromString(report.report())) {
    return Status(Code::kCorrupt, "signed report holds no vse_attestation_report_info");
  }
  CF_ASSIGN_OR_RETURN(int64_t not_before, ParseTime(info.not_before()));
  CF_ASSIGN_OR_RETURN(int64_t not_after, ParseTime(info.not_after()));
  if (now < not_before || now > not_after) {
    return Status(Code::kPolicyDenied, "attestation report is valid from " + info.not_before() + " to " +
                                           info.not_after() + ", not at " + FormatTime(now));
  }
  SimulatedAttestation out;
  if (!out.user_data.ParseFromString(info.user_data())) {
    return Status(Code::kCorrupt, "attestation report's user data is not an attestation_user_data");
  }
  CF_ASSIGN_OR_RETURN(out.attest_key, keys::PublicKeyMessage(report.signing_key()));
  out.measurement = ToBytes(info.verified_measurement());
  out.what_was_said = info.user_data();
  return out;
}

}  // namespace cf::attest
