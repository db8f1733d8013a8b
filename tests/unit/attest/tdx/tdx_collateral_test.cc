// Revocation and TCB collateral on quotes made under a test root (tdx_test_pki.h): there is no genuine Intel
// collateral in the fixtures, so everything here is signed by test keys and the test root is pinned explicitly.
#include <gtest/gtest.h>

#include "attest/tdx/collateral.h"
#include "attest/verify_tdx.h"
#include "common/time_text.h"
#include "tests/unit/attest/tdx/tdx_test_pki.h"

namespace cf::attest::tdx {
namespace {

using namespace testing;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class TdxCollateral : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.now = NowSeconds();
    options_.root_sha256 = pki_.RootSha256();
    quote_ = pki_.Quote(SampleBody());
  }

  std::string Components(const std::array<int, 16>& svn) {
    std::string out = "[";
    for (size_t i = 0; i < 16; ++i) out += std::string(i ? "," : "") + "{\"svn\":" + std::to_string(svn[i]) + "}";
    return out + "]";
  }
  // A level with SGX components `sgx` (the rest as the PCK's), PCESVN `pce`, TDX components `tdx`.
  std::string Level(int sgx0, int pce, int tdx2, const std::string& status) {
    std::array<int, 16> sgx{};
    for (size_t i = 0; i < 16; ++i) sgx[i] = pki_.sgx_components[i];
    sgx[0] = sgx0;
    std::array<int, 16> tdx{};
    tdx[0] = 3;
    tdx[2] = tdx2;
    return "{\"tcb\":{\"sgxtcbcomponents\":" + Components(sgx) + ",\"pcesvn\":" + std::to_string(pce) +
           ",\"tdxtcbcomponents\":" + Components(tdx) + "},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"" +
           status + "\",\"advisoryIDs\":[\"INTEL-SA-00837\"]}";
  }
  std::string TcbInfo(const std::string& levels, const std::string& fmspc = "00806F050000",
                      const std::string& next = "2099-01-01T00:00:00Z") {
    return "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2024-01-01T00:00:00Z\",\"nextUpdate\":\"" + next +
           "\",\"fmspc\":\"" + fmspc +
           "\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,\"tdxModule\":{\"mrsigner\":\"" +
           std::string(96, '0') +
           "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},"
           "\"tcbLevels\":[" +
           levels + "]}";
  }
  std::string QeIdentity(const std::string& mrsigner = std::string(64, '1'), int min_svn = 4) {
    return "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"2024-01-01T00:00:00Z\",\"nextUpdate\":"
           "\"2099-01-01T00:00:00Z\",\"tcbEvaluationDataNumber\":17,\"miscselect\":\"00000000\",\"miscselectMask\":"
           "\"FFFFFFFF\",\"attributes\":\"11000000000000000000000000000000\",\"attributesMask\":"
           "\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"" +
           mrsigner + "\",\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":" + std::to_string(min_svn) +
           "},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]}";
  }
  Collateral Make(const std::string& tcb_info, const std::string& qe_identity) {
    Collateral c;
    c.tcb_info_json = pki_.SignedJson("tcbInfo", tcb_info);
    c.qe_identity_json = pki_.SignedJson("enclaveIdentity", qe_identity);
    c.issuer_chain_pem = ToBytes(pki_.SigningChainPem());
    return c;
  }
  Result<TcbVerdict> Evaluate(const Collateral& c) {
    auto v = VerifyTdxQuote(quote_, options_);
    if (!v.ok()) return v.status();
    return EvaluateTcb(*v, c, options_);
  }

  TestPki pki_;
  TdxVerifyOptions options_;
  Bytes quote_;
};

TEST_F(TdxCollateral, QuoteUnderTheTestRootVerifiesOnlyWithItsPin) {
  auto v = VerifyTdxQuote(quote_, options_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(HexEncode(v->pck.fmspc), "00806f050000");
  EXPECT_EQ(v->pck.pce_svn, 11);
  EXPECT_EQ(v->pck.sgx_tcb_components[4], 3);
  TdxVerifyOptions intel = options_;
  intel.root_sha256.clear();
  EXPECT_TRUE(Has(VerifyTdxQuote(quote_, intel).status().message(), "not the pinned root 44a0196b"));
}

TEST_F(TdxCollateral, CrlsAreCheckedAndARevokedPckIsRefused) {
  options_.crls = {pki_.Crl(false, {}), pki_.Crl(true, {})};
  auto ok = VerifyTdxQuote(quote_, options_);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->revocation_checked);

  options_.crls = {pki_.Crl(false, {99, pki_.pck_serial}), pki_.Crl(true, {})};
  auto revoked = VerifyTdxQuote(quote_, options_);
  EXPECT_EQ(revoked.status().code(), Code::kPolicyDenied);
  EXPECT_TRUE(Has(revoked.status().message(), "'Test SGX PCK Certificate' is revoked")) << revoked.status().message();

  options_.crls = {pki_.Crl(false, {}), pki_.Crl(true, {2})};  // the Platform CA revoked by the root
  EXPECT_TRUE(Has(VerifyTdxQuote(quote_, options_).status().message(), "'Test SGX PCK Platform CA' is revoked"));

  options_.crls = {pki_.Crl(false, {})};  // the root CA's CRL missing
  EXPECT_TRUE(Has(VerifyTdxQuote(quote_, options_).status().message(), "no CRL given"));

  options_.crls = {ToBytes("not a CRL")};
  EXPECT_TRUE(Has(VerifyTdxQuote(quote_, options_).status().message(), "not a DER or PEM CRL"));
}

TEST_F(TdxCollateral, UpToDatePlatformGetsItsLevelStatus) {
  auto verdict =
      Evaluate(Make(TcbInfo(Level(2, 11, 4, "UpToDate") + "," + Level(1, 10, 2, "OutOfDate")), QeIdentity()));
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  EXPECT_EQ(verdict->tcb_status, "UpToDate");
  EXPECT_EQ(verdict->qe_status, "UpToDate");
  EXPECT_EQ(verdict->tcb_evaluation_data_number, 17u);
  EXPECT_EQ(verdict->advisory_ids, std::vector<std::string>{"INTEL-SA-00837"});
}

TEST_F(TdxCollateral, PlatformBelowTheTopLevelsGetsTheLowerStatus) {
  // Top level needs SGX component 1 at 5 (PCK has 2), the next needs TEE_TCB_SVN[2] 9 (quote has 4).
  auto verdict = Evaluate(Make(TcbInfo(Level(5, 11, 4, "UpToDate") + "," + Level(2, 11, 9, "SWHardeningNeeded") + "," +
                                       Level(2, 11, 4, "OutOfDate")),
                               QeIdentity()));
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  EXPECT_EQ(verdict->tcb_status, "OutOfDate");
}

TEST_F(TdxCollateral, NoLevelMetIsRefused) {
  auto verdict = Evaluate(Make(TcbInfo(Level(2, 12, 4, "UpToDate")), QeIdentity()));
  EXPECT_EQ(verdict.status().code(), Code::kPolicyDenied);
  EXPECT_TRUE(Has(verdict.status().message(), "Unsupported")) << verdict.status().message();
}

TEST_F(TdxCollateral, TamperedOrForeignCollateralIsRefused) {
  Collateral c = Make(TcbInfo(Level(2, 11, 4, "UpToDate")), QeIdentity());
  Collateral tampered = c;
  tampered.tcb_info_json.replace(tampered.tcb_info_json.find("UpToDate"), 8, "Revoked!");
  EXPECT_TRUE(Has(Evaluate(tampered).status().message(), "TCB info signature"));
  Collateral qe_tampered = c;
  qe_tampered.qe_identity_json.replace(qe_tampered.qe_identity_json.find("\"isvprodid\":2"), 13, "\"isvprodid\":3");
  EXPECT_TRUE(Has(Evaluate(qe_tampered).status().message(), "QE identity signature"));
  Collateral other_signer = c;
  other_signer.issuer_chain_pem = ToBytes(TestPki().SigningChainPem());  // another test root
  EXPECT_TRUE(Has(Evaluate(other_signer).status().message(), "not the pinned root"));
  EXPECT_TRUE(Has(Evaluate(Make(TcbInfo(Level(2, 11, 4, "UpToDate"), "00906ED50000"), QeIdentity())).status().message(),
                  "TCB info is for FMSPC 00906ed50000"));
  EXPECT_TRUE(
      Has(Evaluate(Make(TcbInfo(Level(2, 11, 4, "UpToDate"), "00806F050000", "2020-01-01T00:00:00Z"), QeIdentity()))
              .status()
              .message(),
          "expired at its nextUpdate"));
  Collateral garbage = c;
  garbage.tcb_info_json = "{\"tcbInfo\":[1,2,,\"signature\":\"00\"}";
  EXPECT_EQ(Evaluate(garbage).status().code(), Code::kInvalidArgument);
}

TEST_F(TdxCollateral, QeIdentityMismatchesAreRefused) {
  const std::string info = TcbInfo(Level(2, 11, 4, "UpToDate"));
  EXPECT_TRUE(Has(Evaluate(Make(info, QeIdentity(std::string(64, '2')))).status().message(), "QE MRSIGNER"));
  EXPECT_TRUE(Has(Evaluate(Make(info, QeIdentity(std::string(64, '1'), 5))).status().message(), "QE ISVSVN 4"));
}

}  // namespace
}  // namespace cf::attest::tdx
