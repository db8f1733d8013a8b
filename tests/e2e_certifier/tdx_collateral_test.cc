// End to end for Intel's TDX collateral in the Certifier Service: a real cf-certifier given TCB info, QE identity,
// issuer chain and CRLs (all made under the test root of tdx_test_pki.h) appraises TDX quotes against a policy
// `property tcb-status = UpToDate` or (a second template) SWHardeningNeeded: those TDs are admitted, an OutOfDate one
// denied with its status; on SIGHUP a
// CRL revoking the PCK, then expired collateral take effect (each denial names why), garbage collateral is refused
// and the set in force stays. A certifier without collateral denies the same policy saying it has none.
#include <fstream>

#include "attest/tdx/tdx_enclave.h"
#include "tests/e2e_certifier/certifier_process.h"
#include "tests/unit/attest/tdx/tdx_test_pki.h"

namespace cf::attest {
namespace {

using namespace tdx::testing;
using tdx::TdReport;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class TdxCollateralCertifier : public CertifierProcess {
 protected:
  static void SetUpTestSuite() {
    enclave_ = other_ = nullptr;  // the base fixture's; unused here
    MakeDirAndPolicyKey("tdxcol", "e2e-tdxcol");
    if (HasFatalFailure()) return;
    pki_ = std::make_shared<const TestPki>();
    const std::string chain = pki_->PckChainPem();
    std::ofstream(dir_ + "/test-root.pem") << chain.substr(chain.rfind("-----BEGIN CERTIFICATE-----"));
    std::ofstream(dir_ + "/policy.txt") << "trust-platform-key " << dir_ << "/test-root.pem\n"
                                        << "trust-measurement " << HexEncode(Bytes(48, 0x5a)) << "\n"
                                        << "platform intel-tdx\n"
                                        << "property debug = no\n"
                                        << "property tcb-status = UpToDate\n"
                                        << "property qe-status = UpToDate\n"
                                        << "property tcb-evaluation-data-number >= 17\n"
                                        // "one of several statuses": a second complete template
                                        << "platform intel-tdx\n"
                                        << "property debug = no\n"
                                        << "property tcb-status = SWHardeningNeeded\n"
                                        << "property qe-status = UpToDate\n";
    CompilePolicy();
    if (HasFatalFailure()) return;
    WriteCollateral("2099-01-01T00:00:00Z");
    WriteCrls({});
    pid_ = Spawn(dir_ + "/certifier.log", &port_, "",
                 {"--tdx-tcb-info-file", dir_ + "/tcb-info.json", "--tdx-qe-identity-file", dir_ + "/qe-identity.json",
                  "--tdx-tcb-chain-file", dir_ + "/tcb-chain.pem", "--tdx-crl-file", dir_ + "/pck-ca.crl",
                  "--tdx-crl-file", dir_ + "/root-ca.crl"});
  }

  // TEE_TCB_SVN[2] 6 and up: UpToDate; 5: SWHardeningNeeded; 4: OutOfDate. Written under a temporary name and renamed,
  // as a rollout would.
  static void WriteCollateral(const std::string& next_update) {
    Put("tcb-info.json",
        pki_->SignedJson(
            "tcbInfo", pki_->TcbInfoValue({{6, "UpToDate"}, {5, "SWHardeningNeeded"}, {4, "OutOfDate"}}, next_update)));
    Put("qe-identity.json", pki_->SignedJson("enclaveIdentity", pki_->QeIdentityValue()));
    Put("tcb-chain.pem", pki_->SigningChainPem());
  }
  static void WriteCrls(const std::vector<long>& revoked) {
    Put("pck-ca.crl", AsString(pki_->Crl(false, revoked)));
    Put("root-ca.crl", AsString(pki_->Crl(true, {})));
  }
  static void Put(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/" + name, AsBytes(text)).ok());
  }

  // Waits (bounded: 10 s) until the log holds `text` `count` times.
  static bool WaitForLog(const std::string& text, int count) {
    for (int i = 0; i < 100; ++i) {
      std::string s = Log();
      int seen = 0;
      for (size_t at = s.find(text); at != std::string::npos; at = s.find(text, at + 1)) ++seen;
      if (seen >= count) return true;
      usleep(100000);
    }
    return false;
  }

  Result<Bytes> CertifyTd(uint8_t tee_tcb_svn_2, uint16_t port = 0) {
    TdReport body = SampleBody();
    body.tee_tcb_svn[2] = tee_tcb_svn_2;
    auto td = OpenTdxEnclaveWith(SigningQuoteSource(pki_, body));
    if (!td.ok()) return td.status();
    CertificationRequest r = Request();
    if (port != 0) r.port = port;
    r.expected_measurement = Bytes(48, 0x5a);
    r.expected_platform = "intel-tdx";
    return Certify(**td, r);
  }

  inline static std::shared_ptr<const TestPki> pki_;
};

TEST_F(TdxCollateralCertifier, AdmitsUpToDateOrSwHardeningNeededDeniesOutOfDateWithItsStatus) {
  auto admitted = CertifyTd(6);
  ASSERT_TRUE(admitted.ok()) << admitted.status().ToString() << "\n" << Log();
  EXPECT_TRUE(Has(Log(), "TDX collateral: TCB info for FMSPC 00806f050000")) << Log();
  auto hardening = CertifyTd(5);  // the second template
  EXPECT_TRUE(hardening.ok()) << hardening.status().ToString();
  auto denied = CertifyTd(4);
  ASSERT_EQ(denied.status().code(), Code::kPolicyDenied) << denied.status().ToString();
  EXPECT_TRUE(
      Has(denied.status().message(), "platform property tcb-status is 'OutOfDate', policy requires = 'UpToDate'"))
      << denied.status().message();
}

TEST_F(TdxCollateralCertifier, SighupBringsRevocationExpiryAndKeepsTheSetOnGarbage) {
  ASSERT_TRUE(CertifyTd(6).ok());
  // A CRL revoking the PCK.
  WriteCrls({pki_->pck_serial});
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_TRUE(WaitForLog("SIGHUP: TDX collateral reloaded", 1)) << Log();
  auto revoked = CertifyTd(6);
  EXPECT_FALSE(revoked.ok());
  EXPECT_TRUE(Has(revoked.status().message(), "'Test SGX PCK Certificate' is revoked")) << revoked.status().ToString();

  // Collateral past its nextUpdate: loads (with a warning), every TDX quote is denied naming the file and the date.
  WriteCrls({});
  WriteCollateral("2024-06-01T00:00:00Z");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_TRUE(WaitForLog("SIGHUP: TDX collateral reloaded", 2)) << Log();
  EXPECT_TRUE(Has(Log(), "tcb-info.json expired at its nextUpdate 2024-06-01T00:00:00Z")) << Log();
  auto expired = CertifyTd(6);
  EXPECT_EQ(expired.status().code(), Code::kPolicyDenied) << expired.status().ToString();
  EXPECT_TRUE(Has(expired.status().message(),
                  "TDX collateral " + dir_ + "/tcb-info.json expired at its nextUpdate 2024-06-01T00:00:00Z"))
      << expired.status().message();

  // Garbage: refused, the (expired) set in force stays.
  Put("qe-identity.json", "not JSON");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_TRUE(WaitForLog("SIGHUP: new TDX collateral refused, the set in force stays", 1)) << Log();
  EXPECT_TRUE(Has(Log(), "--tdx-qe-identity-file " + dir_ + "/qe-identity.json")) << Log();
  EXPECT_TRUE(Has(CertifyTd(6).status().message(), "expired at its nextUpdate")) << Log();

  // Current collateral again: admitted.
  WriteCollateral("2099-01-01T00:00:00Z");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_TRUE(WaitForLog("SIGHUP: TDX collateral reloaded", 3)) << Log();
  auto again = CertifyTd(6);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(TdxCollateralCertifier, ACertifierWithoutCollateralSaysSo) {
  uint16_t port = 0;
  pid_t pid = Spawn(dir_ + "/bare.log", &port);
  ASSERT_GT(pid, 0);
  auto denied = CertifyTd(5, port);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(denied.status().code(), Code::kPolicyDenied) << denied.status().ToString();
  EXPECT_TRUE(Has(denied.status().message(),
                  "platform does not report property 'tcb-status' the policy bounds: the certifier has no TCB "
                  "collateral configured"))
      << denied.status().message();
}

}  // namespace
}  // namespace cf::attest
