// The simulated enclave's signed attestation report.
#include "attest/simulated/report.h"

#include "attest/enclave.h"
#include "attest/simulated/rsa_keys.h"
#include "common/time_text.h"

namespace cf::attest::simulated {
namespace {

constexpr int64_t kReportValiditySeconds = 24 * 3600;

}  // namespace

Result<Bytes> SignedReport(EVP_PKEY* attest_key, const wire::key_message& attest_public, ByteView measurement,
                           ByteView what_to_say) {
  wire::vse_attestation_report_info info;
  info.set_enclave_type(kSimulatedEnclave);
  info.set_verified_measurement(AsString(measurement));
  int64_t now = NowSeconds();
  info.set_not_before(FormatTime(now));
  info.set_not_after(FormatTime(now + kReportValiditySeconds));
  info.set_user_data(AsString(what_to_say));
  wire::signed_report report;
  report.set_report_format("vse-attestation-report");
  report.set_report(info.SerializeAsString());
  *report.mutable_signing_key() = attest_public;
  report.set_signing_algorithm(kRsaSigningAlgorithm);
  CF_ASSIGN_OR_RETURN(Bytes sig, SignRsaSha256(attest_key, AsBytes(report.report())));
  report.set_signature(AsString(sig));
  return ToBytes(report.SerializeAsString());
}

}  // namespace cf::attest::simulated
