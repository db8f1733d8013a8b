// The SEV-SNP path through the service with a synthetic AMD-shaped platform: admitted when chain, signature,
// binding, measurement and platform properties all hold; each denial names its clause (debug allowed, TCB below
// the bound, untrusted ARK, wrong measurement, flipped report byte).
#include <gtest/gtest.h>

#include "attest/verify_sev.h"
#include "certifier/admission_cert.h"
#include "certifier/policy_text.h"
#include "certifier/service.h"
#include "common/random.h"
#include "common/x509_der.h"
#include "sev_synthetic.h"

namespace cf::certifier {
namespace {

using testing::SevPlatform;

constexpr uint64_t kPolicySmtOnly = 0x30000;  // SMT allowed, reserved bit, no debug, no migration agent

class SevServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { platform_ = new SevPlatform(SevPlatform::Make()); }
  static void TearDownTestSuite() { delete platform_; }

  void SetUp() override {
    now_ = NowSeconds();
    measurement_ = Bytes(48, 0x77);
    policy_key_ = *keys::GenerateKeyMessage("ecc-384", "policyKey");
    enclave_key_ = *keys::GenerateKeyMessage("ecc-256", "authKey");
  }

  std::unique_ptr<Service> MakeService(const std::string& properties, X509* trusted_ark) {
    auto pk = keys::PKeyFromKeyMessage(policy_key_);
    Bytes ark_der = *ossl::CertificateDer(trusted_ark);
    std::string text = "trust-platform-key ark.der\ntrust-measurement " + HexEncode(measurement_) +
                       "\nplatform amd-sev-snp\n" + properties;
    auto seq = CompilePolicy(
        text, policy_key_, [&](const std::string&) -> Result<Bytes> { return ark_der; }, now_);
    EXPECT_TRUE(seq.ok()) << seq.status().ToString();
    ServiceOptions o;
    o.policy_key = policy_key_;
    o.policy_cert_der = *MakePolicyCertificate(pk->get(), "sev-domain", now_ - 60, 86400);
    o.signed_policy = ToBytes(seq->SerializeAsString());
    auto s = Service::Create(o, now_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  wire::trust_response_message Ask(Service* s, const wire::trust_request_message& m) {
    Outcome o = s->Handle(AsBytes(m.SerializeAsString()), now_);
    wire::trust_response_message r;
    EXPECT_TRUE(r.ParseFromArray(o.response.data(), static_cast<int>(o.response.size())));
    return r;
  }

  wire::trust_request_message Request(uint64_t policy = kPolicySmtOnly) {
    return platform_->Request(enclave_key_, measurement_, policy, AsString(*RandomBytes(32)), now_);
  }

  static SevPlatform* platform_;
  int64_t now_;
  Bytes measurement_;
  wire::key_message policy_key_, enclave_key_;
};
SevPlatform* SevServiceTest::platform_ = nullptr;

const char kBounds[] =
    "property debug = no\nproperty migrate = no\nproperty tcb-microcode >= 0x73\n"
    "property tcb-snp >= 8\n";

TEST_F(SevServiceTest, AdmitsWhenChainReportMeasurementAndPlatformHold) {
  auto s = MakeService(kBounds, platform_->ark.get());
  auto r = Ask(s.get(), Request());
  ASSERT_EQ(r.status(), "succeeded") << r.reason();
  auto cert = attest::ParseCertificate(AsBytes(r.artifact()));
  char org[200] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert->get()), NID_organizationName, org, sizeof(org));
  EXPECT_EQ(std::string(org), "Measured-" + HexEncode(measurement_));  // 48-byte SNP measurement, 105 chars
  char ou[64] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert->get()), NID_organizationalUnitName, ou, sizeof(ou));
  EXPECT_EQ(std::string(ou), "Platform-amd-sev-snp");
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(cert->get())), EVP_PKEY_EC);
}

TEST_F(SevServiceTest, DeniesDebugWhenThePolicyForbidsIt) {
  auto s = MakeService(kBounds, platform_->ark.get());
  auto r = Ask(s.get(), Request(kPolicySmtOnly | attest::snp::kPolicyDebug));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("debug is 'yes'"), std::string::npos) << r.reason();
}

TEST_F(SevServiceTest, DeniesMigrationAgentWhenThePolicyForbidsIt) {
  auto s = MakeService(kBounds, platform_->ark.get());
  auto r = Ask(s.get(), Request(kPolicySmtOnly | attest::snp::kPolicyMigrateMa));
  EXPECT_NE(r.reason().find("migrate is 'yes'"), std::string::npos) << r.reason();
}

TEST_F(SevServiceTest, DeniesTcbBelowTheBound) {
  auto s = MakeService("property tcb-microcode >= 0x74\n", platform_->ark.get());
  auto r = Ask(s.get(), Request());
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("tcb-microcode is 115"), std::string::npos) << r.reason();
}

TEST_F(SevServiceTest, DeniesAnArkThePolicyDoesNotTrust) {
  SevPlatform other = SevPlatform::Make();
  auto s = MakeService(kBounds, other.ark.get());
  auto r = Ask(s.get(), Request());
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("AMD root key (ARK)"), std::string::npos) << r.reason();
}

TEST_F(SevServiceTest, DeniesAWrongMeasurement) {
  auto s = MakeService(kBounds, platform_->ark.get());
  measurement_ = Bytes(48, 0x01);
  auto r = Ask(s.get(), Request());
  EXPECT_NE(r.reason().find("measurement 0101"), std::string::npos) << r.reason();
}

TEST_F(SevServiceTest, DeniesAFlippedByteInTheReport) {
  auto s = MakeService(kBounds, platform_->ark.get());
  for (size_t off : {0x008u, 0x090u, 0x180u, 0x1A0u, 0x2A0u}) {
    auto m = Request();
    auto* e = m.mutable_support()->mutable_fact_assertion(3);
    wire::sev_attestation_message att;
    ASSERT_TRUE(att.ParseFromString(e->serialized_evidence()));
    std::string report = att.reported_attestation();
    report[off] ^= 0x01;
    att.set_reported_attestation(report);
    e->set_serialized_evidence(att.SerializeAsString());
    auto r = Ask(s.get(), m);
    EXPECT_EQ(r.status(), "failed") << "offset " << off;
    EXPECT_NE(r.reason().find("signature"), std::string::npos) << r.reason();
  }
}

TEST_F(SevServiceTest, DeniesEvidenceInTheWrongOrder) {
  auto s = MakeService(kBounds, platform_->ark.get());
  auto m = Request();
  m.mutable_support()->mutable_fact_assertion()->SwapElements(0, 2);
  EXPECT_EQ(Ask(s.get(), m).status(), "failed");
}

}  // namespace
}  // namespace cf::certifier
