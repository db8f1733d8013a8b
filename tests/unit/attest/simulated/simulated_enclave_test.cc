// The simulated enclave: persistent platform state, measurement-bound sealing, and attestation reports and platform
// claims whose signatures verify with plain OpenSSL against the embedded public keys.
#include "attest/simulated/simulated_enclave.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

#include "attest/verify_signature.h"
#include "attest/verify_simulated.h"
#include "common/ossl.h"
#include "common/time_text.h"

namespace cf::attest {
namespace {

class SimulatedEnclaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cf-sim-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    options_.directory = root_ + "/platform";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::unique_ptr<Enclave> OpenOrDie(const EnclaveOptions& o) {
    auto e = OpenEnclave(o);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  std::string root_;
  EnclaveOptions options_;
};

// RSA PKCS#1 v1.5 SHA-256 verification written directly against OpenSSL, independent of the code under test.
bool VerifiesWith(const wire::key_message& key, const std::string& data, const std::string& sig) {
  ossl::Bn n(BN_bin2bn(reinterpret_cast<const unsigned char*>(key.rsa_key().public_modulus().data()),
                       static_cast<int>(key.rsa_key().public_modulus().size()), nullptr));
  ossl::Bn e(BN_bin2bn(reinterpret_cast<const unsigned char*>(key.rsa_key().public_exponent().data()),
                       static_cast<int>(key.rsa_key().public_exponent().size()), nullptr));
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(bld.get(), "n", n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), "e", e.get());
  ossl::Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return false;
  ossl::PKey pkey(raw);
  ossl::MdCtx md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(md.get(), &pctx, EVP_sha256(), nullptr, pkey.get()) != 1) return false;
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
  return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

TEST_F(SimulatedEnclaveTest, SealsAndUnsealsAcrossReopen) {
  auto e = OpenOrDie(options_);
  ASSERT_TRUE(e);
  auto sealed = e->Seal(AsBytes("data key"));
  ASSERT_TRUE(sealed.ok());
  e.reset();
  e = OpenOrDie(options_);
  auto plain = e->Unseal(*sealed);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(std::string(plain->begin(), plain->end()), "data key");
}

TEST_F(SimulatedEnclaveTest, CreatesPrivateDirectoryAndStateFile) {
  ASSERT_TRUE(OpenOrDie(options_));
  struct stat st {};
  ASSERT_EQ(::stat(options_.directory.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((options_.directory + "/simulated-platform.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SimulatedEnclaveTest, OtherMeasurementOrPlatformCannotUnseal) {
  options_.initial_measurement = Bytes(32, 0xaa);
  auto a = OpenOrDie(options_);
  auto sealed = a->Seal(AsBytes("secret"));
  ASSERT_TRUE(sealed.ok());
  EnclaveOptions other = options_;
  other.directory = root_ + "/other";
  other.initial_measurement = Bytes(32, 0xaa);  // same measurement, different platform key
  auto b = OpenOrDie(other);
  EXPECT_EQ(b->Unseal(*sealed).status().code(), Code::kUnauthenticated);
  EnclaveOptions third = options_;
  third.directory = root_ + "/third";
  third.initial_measurement = Bytes(32, 0xbb);
  auto c = OpenOrDie(third);
  EXPECT_EQ(c->Unseal(*sealed).status().code(), Code::kUnauthenticated);
}

TEST_F(SimulatedEnclaveTest, UnsealTellsTruncatedFromTampered) {
  auto e = OpenOrDie(options_);
  Bytes sealed = *e->Seal(AsBytes("secret"));
  EXPECT_EQ(e->Unseal(ByteView(sealed).first(10)).status().code(), Code::kCorrupt);
  sealed[sealed.size() / 2] ^= 1;
  EXPECT_EQ(e->Unseal(sealed).status().code(), Code::kUnauthenticated);
}

TEST_F(SimulatedEnclaveTest, AttestationIsASignedVseReportOverWhatWasSaid) {
  options_.initial_measurement = Bytes(32, 0x5a);
  auto e = OpenOrDie(options_);
  auto evidence = e->Attest(AsBytes("user data"));
  ASSERT_TRUE(evidence.ok());
  wire::signed_report report;
  ASSERT_TRUE(report.ParseFromArray(evidence->data(), static_cast<int>(evidence->size())));
  EXPECT_EQ(report.report_format(), "vse-attestation-report");
  EXPECT_EQ(report.signing_algorithm(), "rsa-2048-sha256-pkcs-sign");
  EXPECT_EQ(report.signing_key().key_name(), "attestKey");
  wire::vse_attestation_report_info info;
  ASSERT_TRUE(info.ParseFromString(report.report()));
  EXPECT_EQ(info.enclave_type(), "simulated-enclave");
  EXPECT_EQ(info.user_data(), "user data");
  EXPECT_EQ(info.verified_measurement(), std::string(32, 0x5a));
  auto nb = ParseTime(info.not_before());
  auto na = ParseTime(info.not_after());
  ASSERT_TRUE(nb.ok() && na.ok());
  EXPECT_EQ(*na - *nb, 24 * 3600);
  EXPECT_TRUE(VerifiesWith(report.signing_key(), report.report(), report.signature()));
  std::string altered = report.report();
  altered[altered.size() - 1] ^= 1;
  EXPECT_FALSE(VerifiesWith(report.signing_key(), altered, report.signature()));
}

TEST_F(SimulatedEnclaveTest, PlatformEvidenceIsPlatformKeySignedClaimAboutAttestKey) {
  auto opened = SimulatedEnclave::Open(options_);
  ASSERT_TRUE(opened.ok());
  auto& e = **opened;
  EXPECT_EQ(e.evidence_type(), "vse-attestation-package");
  auto evidence = e.PlatformEvidence();
  ASSERT_TRUE(evidence.ok());
  ASSERT_EQ(evidence->size(), 1u);
  EXPECT_EQ((*evidence)[0].evidence_type(), "signed-claim");
  wire::signed_claim_message claim;
  ASSERT_TRUE(claim.ParseFromString((*evidence)[0].serialized_evidence()));
  EXPECT_EQ(claim.signing_key().SerializeAsString(), e.platform_public_key().SerializeAsString());
  EXPECT_TRUE(VerifiesWith(e.platform_public_key(), claim.serialized_claim_message(), claim.signature()));
  wire::claim_message cm;
  ASSERT_TRUE(cm.ParseFromString(claim.serialized_claim_message()));
  EXPECT_EQ(cm.claim_format(), "vse-clause");
  wire::vse_clause clause;
  ASSERT_TRUE(clause.ParseFromString(cm.serialized_claim()));
  EXPECT_EQ(clause.verb(), "says");
  EXPECT_EQ(clause.subject().key().key_name(), "platformKey");
  EXPECT_EQ(clause.clause().verb(), "is-trusted-for-attestation");
  EXPECT_EQ(clause.clause().subject().key().SerializeAsString(), e.attest_public_key().SerializeAsString());
}

// Interoperation with the verifiers the Certifier Service side uses (attest/verify_*).
TEST_F(SimulatedEnclaveTest, ReportAndClaimPassTheFrameworkVerifiers) {
  auto opened = SimulatedEnclave::Open(options_);
  ASSERT_TRUE(opened.ok());
  auto& e = **opened;
  wire::attestation_user_data user;
  user.set_enclave_type("simulated-enclave");
  auto evidence = e.Attest(AsBytes(user.SerializeAsString()));
  ASSERT_TRUE(evidence.ok());
  wire::signed_report report;
  ASSERT_TRUE(report.ParseFromArray(evidence->data(), static_cast<int>(evidence->size())));
  auto verified = VerifySignedReport(report, NowSeconds());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->measurement, e.measurement());
  auto claim = VerifySignedClaim(e.attest_key_claim(), &e.platform_public_key(), NowSeconds());
  ASSERT_TRUE(claim.ok()) << claim.status().ToString();
  EXPECT_EQ(claim->clause.clause().verb(), "is-trusted-for-attestation");
  EXPECT_FALSE(VerifySignedReport(report, NowSeconds() + 2 * 24 * 3600).ok());  // a day's validity
}

TEST_F(SimulatedEnclaveTest, MissingPlatformWithoutCreateIsNotFound) {
  options_.create_if_missing = false;
  EXPECT_EQ(OpenEnclave(options_).status().code(), Code::kNotFound);
}

TEST_F(SimulatedEnclaveTest, DamagedStateFileIsCorrupt) {
  ASSERT_TRUE(OpenOrDie(options_));
  std::string file = options_.directory + "/simulated-platform.bin";
  std::filesystem::resize_file(file, 20);
  EXPECT_EQ(OpenEnclave(options_).status().code(), Code::kCorrupt);
}

TEST_F(SimulatedEnclaveTest, UnknownEnclaveTypeNamesTheKnownOnes) {
  options_.type = "keystone-enclave";
  auto e = OpenEnclave(options_);
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("simulated-enclave"), std::string::npos);
  EXPECT_NE(e.status().message().find("tpm-enclave"), std::string::npos);
}

}  // namespace
}  // namespace cf::attest
