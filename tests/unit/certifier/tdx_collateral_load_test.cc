// The certifier's TDX collateral files (certifier/tdx_collateral.h): loading (missing file, malformed JSON, a
// partial set, a foreign signer, duplicates, bad CRLs) and the properties a quote gets, with collateral made under
// the test root of tdx_test_pki.h.
#include <gtest/gtest.h>
#include <unistd.h>

#include "certifier/tdx_collateral.h"
#include "common/atomic_file.h"
#include "common/time_text.h"
#include "tests/unit/attest/tdx/tdx_test_pki.h"

namespace cf::certifier {
namespace {

using namespace attest::tdx::testing;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class TdxCollateralLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cf-tdxcol-unit-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Put("tcb-info.json", pki_.SignedJson("tcbInfo", pki_.TcbInfoValue({{4, "UpToDate"}})));
    Put("qe-identity.json", pki_.SignedJson("enclaveIdentity", pki_.QeIdentityValue()));
    Put("tcb-chain.pem", pki_.SigningChainPem());
    Put("pck-ca.crl", AsString(pki_.Crl(false, {})));
    Put("root-ca.crl", AsString(pki_.Crl(true, {})));
    files_.tcb_info = {dir_ + "/tcb-info.json"};
    files_.qe_identity = dir_ + "/qe-identity.json";
    files_.tcb_chain = dir_ + "/tcb-chain.pem";
    files_.crls = {dir_ + "/pck-ca.crl", dir_ + "/root-ca.crl"};
  }
  void TearDown() override {
    for (const char* f :
         {"tcb-info.json", "tcb-info-2.json", "qe-identity.json", "tcb-chain.pem", "pck-ca.crl", "root-ca.crl"}) {
      unlink((dir_ + "/" + f).c_str());
    }
    rmdir(dir_.c_str());
  }
  void Put(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/" + name, AsBytes(text)).ok());
  }
  Status Load() { return LoadTdxCollateral(files_, NowSeconds()).status(); }

  // The quote of SampleBody() verified under the test root, with the collateral's properties added.
  Status Properties(const TdxCollateralSet& set, wire::platform* platform, AbsenceReasons* absent) {
    attest::TdxVerifyOptions options;
    options.now = NowSeconds();
    options.root_sha256 = pki_.RootSha256();
    options.crls = set.crls;
    auto v = attest::VerifyTdxQuote(pki_.Quote(SampleBody()), options);
    if (!v.ok()) return v.status();
    return AddTdxTcbProperties(*v, set, options, platform, absent);
  }

  TestPki pki_;
  std::string dir_;
  TdxCollateralFiles files_;
};

TEST_F(TdxCollateralLoad, LoadsTheSetAndGivesTheQuoteItsTcbProperties) {
  auto set = LoadTdxCollateral(files_, NowSeconds());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ((*set)->Describe(),
            "TCB info for FMSPC 00806f050000 (next update 2099-01-01T00:00:00Z), QE identity (next update "
            "2099-01-01T00:00:00Z), 2 CRLs");
  EXPECT_TRUE((*set)->Expired(NowSeconds()).empty());
  wire::platform platform;
  AbsenceReasons absent;
  ASSERT_TRUE(Properties(**set, &platform, &absent).ok());
  std::map<std::string, wire::property> got;
  for (const auto& p : platform.props().props()) got[p.property_name()] = p;
  EXPECT_EQ(got["tcb-status"].string_value(), "UpToDate");
  EXPECT_EQ(got["qe-status"].string_value(), "UpToDate");
  EXPECT_EQ(got["tcb-evaluation-data-number"].value_type(), "int");
  EXPECT_EQ(got["tcb-evaluation-data-number"].int_value(), 17u);
  EXPECT_EQ(got["tcb-date"].string_value(), "2024-03-13T00:00:00Z");
  EXPECT_EQ(got["advisory-ids"].string_value(), "none");
  EXPECT_EQ(got.count("tdx-module-status"), 0u);  // a TDX 1.0 module: no module identity levels
  EXPECT_TRUE(Has(absent["tdx-module-status"], "no TCB levels for this TDX module")) << absent["tdx-module-status"];
}

TEST_F(TdxCollateralLoad, CrlsAloneLoadWithoutTcbCollateral) {
  files_.tcb_info.clear();
  files_.qe_identity.clear();
  files_.tcb_chain.clear();
  auto set = LoadTdxCollateral(files_, NowSeconds());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_FALSE((*set)->has_tcb());
  EXPECT_EQ((*set)->crls.size(), 2u);
  EXPECT_TRUE(Has(NoTcbCollateralReasons()["tcb-status"], "the certifier has no TCB collateral configured"));
}

TEST_F(TdxCollateralLoad, MissingFileNamesTheOptionAndThePath) {
  files_.qe_identity = dir_ + "/absent.json";
  Status s = Load();
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.message(), "--tdx-qe-identity-file " + dir_ + "/absent.json")) << s.ToString();
  files_.qe_identity = dir_ + "/qe-identity.json";
  files_.crls.push_back(dir_ + "/absent.crl");
  EXPECT_TRUE(Has(Load().message(), "--tdx-crl-file " + dir_ + "/absent.crl")) << Load().ToString();
}

TEST_F(TdxCollateralLoad, PartialSetIsRefused) {
  files_.tcb_chain.clear();
  EXPECT_TRUE(Has(Load().message(), "together, or none of them")) << Load().ToString();
}

TEST_F(TdxCollateralLoad, MalformedJsonIsRefusedNamingTheFile) {
  Put("tcb-info.json", "{\"tcbInfo\":{\"id\":\"TDX\",,},\"signature\":\"00\"}");
  Status s = Load();
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(Has(s.message(), "--tdx-tcb-info-file " + dir_ + "/tcb-info.json")) << s.ToString();
  Put("tcb-info.json", "[]");
  EXPECT_EQ(Load().code(), Code::kInvalidArgument);
  Put("tcb-chain.pem", "not PEM");
  EXPECT_TRUE(Has(Load().message(), "--tdx-tcb-chain-file")) << Load().ToString();
  Put("tcb-chain.pem", pki_.SigningChainPem());
  Put("pck-ca.crl", "not a CRL");
  EXPECT_TRUE(Has(Load().message(), "--tdx-crl-file " + dir_ + "/pck-ca.crl")) << Load().ToString();
}

TEST_F(TdxCollateralLoad, DocumentsSignedUnderAnotherChainAreRefused) {
  TestPki other;
  Put("tcb-chain.pem", other.SigningChainPem());  // the documents are signed by pki_'s TCB Signing key
  Status s = Load();
  EXPECT_EQ(s.code(), Code::kUnauthenticated) << s.ToString();
  EXPECT_TRUE(Has(s.message(), "TCB info signature")) << s.ToString();
}

TEST_F(TdxCollateralLoad, CollateralChainToAnotherRootIsRefusedPerQuote) {
  // Consistent collateral under another root: it loads, and a quote under pki_'s root cannot use it.
  TestPki other;
  Put("tcb-info.json", other.SignedJson("tcbInfo", other.TcbInfoValue({{4, "UpToDate"}})));
  Put("qe-identity.json", other.SignedJson("enclaveIdentity", other.QeIdentityValue()));
  Put("tcb-chain.pem", other.SigningChainPem());
  files_.crls.clear();
  auto set = LoadTdxCollateral(files_, NowSeconds());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  wire::platform platform;
  AbsenceReasons absent;
  Status s = Properties(**set, &platform, &absent);
  EXPECT_EQ(s.code(), Code::kUnauthenticated) << s.ToString();
  EXPECT_TRUE(Has(s.message(), "collateral signed under another root")) << s.ToString();
}

TEST_F(TdxCollateralLoad, DuplicateFmspcAndUncoveredFmspc) {
  Put("tcb-info-2.json", pki_.SignedJson("tcbInfo", pki_.TcbInfoValue({{2, "OutOfDate"}})));
  files_.tcb_info.push_back(dir_ + "/tcb-info-2.json");
  EXPECT_TRUE(Has(Load().message(), "are both for FMSPC 00806f050000")) << Load().ToString();

  std::string other_fmspc = pki_.TcbInfoValue({{4, "UpToDate"}});
  other_fmspc.replace(other_fmspc.find("00806f050000"), 12, "00906ed50000");
  Put("tcb-info-2.json", pki_.SignedJson("tcbInfo", other_fmspc));
  files_.tcb_info = {dir_ + "/tcb-info-2.json"};
  auto set = LoadTdxCollateral(files_, NowSeconds());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  wire::platform platform;
  AbsenceReasons absent;
  Status s = Properties(**set, &platform, &absent);
  EXPECT_EQ(s.code(), Code::kPolicyDenied);
  EXPECT_TRUE(Has(s.message(), "no TCB info for this platform's FMSPC 00806f050000 (it has 00906ed50000)"))
      << s.ToString();
}

TEST_F(TdxCollateralLoad, ExpiredCollateralLoadsAndIsDeniedNamingFileAndDate) {
  Put("qe-identity.json", pki_.SignedJson("enclaveIdentity", pki_.QeIdentityValue("2024-02-01T00:00:00Z")));
  auto set = LoadTdxCollateral(files_, NowSeconds());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ((*set)->Expired(NowSeconds()).size(), 1u);
  EXPECT_TRUE(Has((*set)->Expired(NowSeconds())[0], "qe-identity.json expired at its nextUpdate 2024-02-01T00:00:00Z"));
  wire::platform platform;
  AbsenceReasons absent;
  Status s = Properties(**set, &platform, &absent);
  EXPECT_EQ(s.code(), Code::kPolicyDenied);
  EXPECT_TRUE(
      Has(s.message(), "TDX collateral " + dir_ + "/qe-identity.json expired at its nextUpdate 2024-02-01T00:00:00Z"))
      << s.ToString();
}

TEST_F(TdxCollateralLoad, RevokedLevelIsRefused) {
  Put("tcb-info.json", pki_.SignedJson("tcbInfo", pki_.TcbInfoValue({{4, "Revoked"}})));
  auto set = LoadTdxCollateral(files_, NowSeconds());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  wire::platform platform;
  AbsenceReasons absent;
  Status s = Properties(**set, &platform, &absent);
  EXPECT_EQ(s.code(), Code::kPolicyDenied);
  EXPECT_TRUE(Has(s.message(), "TCB level is Revoked")) << s.ToString();
}

}  // namespace
}  // namespace cf::certifier
