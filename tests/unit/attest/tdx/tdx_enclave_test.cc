// The TDX Enclave over a quote source under a test root: its quotes verify and bind the attested data by the SEV-SNP
// rule; sealing refuses, naming the alternative; a source answering for other REPORTDATA is caught.
#include "attest/tdx/tdx_enclave.h"

#include <gtest/gtest.h>

#include "attest/verify_tdx.h"
#include "common/time_text.h"
#include "tests/unit/attest/tdx/tdx_test_pki.h"

namespace cf::attest {
namespace {

using namespace tdx::testing;

TEST(TdxEnclave, AttestsWithTheUserDataBoundInReportData) {
  auto pki = std::make_shared<const TestPki>();
  auto enclave = OpenTdxEnclaveWith(SigningQuoteSource(pki, SampleBody()));
  ASSERT_TRUE(enclave.ok()) << enclave.status().ToString();
  EXPECT_EQ((*enclave)->type(), "tdx-enclave");
  EXPECT_EQ((*enclave)->evidence_type(), "tdx-platform-package");
  EXPECT_EQ((*enclave)->measurement(), Bytes(48, 0x5a));  // MRTD
  const Bytes said = ToBytes("serialized attestation_user_data");
  auto evidence = (*enclave)->Attest(said);
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  wire::sev_attestation_message msg;
  ASSERT_TRUE(msg.ParseFromString(AsString(*evidence)));
  EXPECT_EQ(msg.what_was_said(), AsString(said));
  TdxVerifyOptions o;
  o.now = NowSeconds();
  o.root_sha256 = pki->RootSha256();
  auto v = VerifyTdxQuote(AsBytes(msg.reported_attestation()), o);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(CheckReportDataBinding(v->quote.body, said).ok());
  Status other = CheckReportDataBinding(v->quote.body, ToBytes("other data"));
  EXPECT_EQ(other.code(), Code::kUnauthenticated);
  EXPECT_NE(other.message().find("made for other data"), std::string::npos);
}

TEST(TdxEnclave, SealingRefusesAndNamesTheAlternative) {
  auto enclave = OpenTdxEnclaveWith(SigningQuoteSource(std::make_shared<const TestPki>(), SampleBody()));
  ASSERT_TRUE(enclave.ok());
  auto sealed = (*enclave)->Seal(ToBytes("secret"));
  EXPECT_EQ(sealed.status().code(), Code::kUnimplemented);
  EXPECT_NE(sealed.status().message().find("no sealing key"), std::string::npos);
  EXPECT_EQ((*enclave)->Unseal(ToBytes("x")).status().code(), Code::kUnimplemented);
}

TEST(TdxEnclave, ASourceThatIgnoresReportDataIsCaught) {
  // The genuine quote replayed: its REPORTDATA is whatever was recorded, never our digest.
  auto pki = std::make_shared<const TestPki>();
  Bytes fixed = pki->Quote(SampleBody());
  auto enclave = OpenTdxEnclaveWith(snp::ReplayReportSource(fixed, {}, "recorded quote"));
  ASSERT_TRUE(enclave.ok()) << enclave.status().ToString();
  auto evidence = (*enclave)->Attest(ToBytes("data"));
  EXPECT_NE(evidence.status().message().find("quote for other REPORTDATA"), std::string::npos)
      << evidence.status().ToString();
}

TEST(TdxEnclave, OutsideATdxGuestTheFactorySaysSo) {
  EnclaveOptions o;
  o.type = kTdxEnclave;
  auto enclave = OpenEnclave(o);
  if (enclave.ok()) GTEST_SKIP() << "running in a TDX guest";
  EXPECT_EQ(enclave.status().code(), Code::kUnimplemented);
  EXPECT_NE(enclave.status().message().find("TDX guest"), std::string::npos) << enclave.status().ToString();
}

}  // namespace
}  // namespace cf::attest
