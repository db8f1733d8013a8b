// Fuzz target: what a Certifier Service (or anyone answering at its address) sends a token in C_Login: a
// trust_response_message, judged as the certification client judges it (JudgeAnswer: status, reason, and the
// admission certificate through CheckAdmissionCertificate: X.509 parsing, issuer, policy-key signature, validity,
// subject key, measurement and platform). The request is fixed: the policy certificate and authentication key of
// data/ (cf_fuzz_seed_writer), so the seed's genuine certificate passes every check and mutations reach each.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "attest/certification_client.h"
#include "fuzz_clock.h"
#include "quiet_protobuf.h"

namespace {

std::string Slurp(const std::string& name) {
  std::ifstream in(std::string(CF_FUZZ_DATA_DIR) + "/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const cf::attest::CertificationRequest& Request() {
  static const cf::attest::CertificationRequest request = [] {
    cf::attest::CertificationRequest r;
    r.policy_cert_der = cf::ToBytes(Slurp("reply_policy_cert.der"));
    (void)r.auth_key.ParseFromString(Slurp("reply_auth_key.bin"));
    r.expected_measurement = *cf::HexDecode(cf::fuzz::kFuzzMeasurementHex);
    r.expected_platform = "simulated-enclave";
    return r;
  }();
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cf::wire::trust_response_message response;
  if (!response.ParseFromArray(data, static_cast<int>(size))) return 0;
  cf::attest::CertifyStage stage;
  (void)cf::attest::JudgeAnswer(response, Request(), "fuzz", &stage);
  return 0;
}
