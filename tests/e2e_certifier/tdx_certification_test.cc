// End to end for Intel TDX: a real cf-certifier whose policy (made by cf-policy) trusts a test root's key, an MRTD
// and an intel-tdx platform template, certifies a TDX enclave whose quotes are made under that test root with the
// right REPORTDATA binding (the device layer is replaced, the rest is the product's path: attest::Certify, the
// service's TDX verifier, properties and proof). Also: a debug TD and a TD below the TEE_TCB_SVN bound are denied
// with the reason, and Intel's genuine quote is refused for the binding alone (its REPORTDATA cannot be ours).
#include <fstream>

#include "attest/tdx/tdx_enclave.h"
#include "tests/e2e_certifier/certifier_process.h"
#include "tests/unit/attest/tdx/tdx_test_pki.h"

namespace cf::attest {
namespace {

using namespace tdx::testing;
using tdx::TdReport;

class TdxCertifier : public CertifierProcess {
 protected:
  static void SetUpTestSuite() {
    enclave_ = other_ = nullptr;  // the base fixture's; unused here
    MakeDirAndPolicyKey("tdx", "e2e-tdx");
    if (HasFatalFailure()) return;
    pki_ = std::make_shared<const TestPki>();
    const std::string root_pem = pki_->PckChainPem().substr(pki_->PckChainPem().rfind("-----BEGIN CERTIFICATE-----"));
    std::ofstream(dir_ + "/test-root.pem") << root_pem;
    std::ofstream(dir_ + "/policy.txt") << "# TDX e2e policy (test root, not Intel's)\n"
                                        << "trust-platform-key " << dir_ << "/test-root.pem\n"
                                        << "trust-measurement " << HexEncode(Bytes(48, 0x5a)) << "\n"
                                        << "platform intel-tdx\n"
                                        << "property debug = no\n"
                                        << "property tee-tcb-svn-2 >= 4\n"
                                        << "property rtmr0 = " << HexEncode(Bytes(48, 0x60)) << "\n";
    CompilePolicy();
    if (HasFatalFailure()) return;
    StartDaemon();
  }

  Result<std::unique_ptr<Enclave>> Td(const TdReport& body) {
    return OpenTdxEnclaveWith(SigningQuoteSource(pki_, body));
  }

  inline static std::shared_ptr<const TestPki> pki_;
};

TEST_F(TdxCertifier, CertifiesATdxEnclaveUnderThePolicy) {
  auto td = Td(SampleBody());
  ASSERT_TRUE(td.ok()) << td.status().ToString();
  CertificationRequest r = Request();
  r.expected_measurement = Bytes(48, 0x5a);
  r.expected_platform = "intel-tdx";
  auto der = Certify(**td, r);
  ASSERT_TRUE(der.ok()) << der.status().ToString() << "\n" << Log();
  EXPECT_NE(Log().find("admitted tdx-platform-package for authentication"), std::string::npos) << Log();
}

TEST_F(TdxCertifier, DeniesADebugTdWithTheReason) {
  TdReport body = SampleBody();
  body.td_attributes |= tdx::kTdAttributeDebug;
  auto td = Td(body);
  ASSERT_TRUE(td.ok());
  auto der = Certify(**td, Request());
  ASSERT_EQ(der.status().code(), Code::kPolicyDenied) << der.status().ToString();
  EXPECT_NE(der.status().message().find("debug is 'yes'"), std::string::npos) << der.status().message();
}

TEST_F(TdxCertifier, DeniesATdBelowTheTcbBound) {
  TdReport body = SampleBody();
  body.tee_tcb_svn[2] = 3;
  auto td = Td(body);
  ASSERT_TRUE(td.ok());
  auto der = Certify(**td, Request());
  ASSERT_EQ(der.status().code(), Code::kPolicyDenied) << der.status().ToString();
  EXPECT_NE(der.status().message().find("tee-tcb-svn-2 is 3, policy requires >= 4"), std::string::npos)
      << der.status().message();
}

TEST_F(TdxCertifier, RefusesIntelsGenuineQuoteOnlyForItsBinding) {
  auto td = Td(SampleBody());
  ASSERT_TRUE(td.ok());
  CertificationRequest r = Request();
  auto msg = BuildTrustRequest(**td, r);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  // Same request, the quote replaced by Intel's genuine one (its chain, signatures and QE binding all verify).
  auto genuine = ReadFile(std::string(CF_TDX_FIXTURES) + "/quote-v4-spr.dat");
  ASSERT_TRUE(genuine.ok());
  genuine->resize(4935);  // the quote without go-tdx-guest's trailing test bytes
  wire::evidence* item = msg->mutable_support()->mutable_fact_assertion(0);
  wire::sev_attestation_message att;
  ASSERT_TRUE(att.ParseFromString(item->serialized_evidence()));
  att.set_reported_attestation(AsString(*genuine));
  item->set_serialized_evidence(att.SerializeAsString());
  auto answer = Exchange(*msg, r);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status(), "failed");
  EXPECT_NE(answer->reason().find("REPORTDATA[0..48) is not SHA-384 of the attested user data"), std::string::npos)
      << answer->reason();
}

}  // namespace
}  // namespace cf::attest
