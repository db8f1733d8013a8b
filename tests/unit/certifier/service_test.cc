// The service end to end in-process: policy text -> signed policy -> admission of simulated evidence, and every
// kind of bad evidence refused with a reason (wrong measurement, untrusted platform, replay, stale, tampered,
// other policy, malformed bytes). SEV evidence from genuine AMD data is verified up to its binding.
#include "certifier/service.h"

#include <gtest/gtest.h>

#include <random>

#include "attest/verify_sev.h"
#include "certifier/admission_cert.h"
#include "certifier/policy_text.h"
#include "common/atomic_file.h"
#include "common/random.h"
#include "sim_evidence.h"

namespace cf::certifier {
namespace {

using testing::MakeRequest;
using testing::MakeSimPlatform;
using testing::SimPlatform;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = NowSeconds();
    policy_key_ = *keys::GenerateKeyMessage("ecc-256", "policyKey");
    auto pk = keys::PKeyFromKeyMessage(policy_key_);
    policy_cert_ = *MakePolicyCertificate(pk->get(), "test-domain", now_ - 60, 3600 * 24);
    // P-256 keeps each test fast; RSA (the framework's shape) is covered by one test here and by the e2e test.
    bool rsa =
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).find("Rsa") != std::string::npos;
    platform_ = MakeSimPlatform(Bytes(32, 0x5a), rsa ? "rsa-2048" : "ecc-256");
    enclave_key_ = *keys::GenerateKeyMessage(rsa ? "rsa-2048" : "ecc-256", "authKey");
    std::string text = "trust-measurement " + HexEncode(platform_.measurement) +
                       "\ntrust-platform-key platform.key\nadmission-validity-days 30\n";
    auto seq = CompilePolicy(
        text, policy_key_,
        [this](const std::string& path) -> Result<Bytes> {
          EXPECT_EQ(path, "platform.key");
          return ToBytes(platform_.platform_key.SerializeAsString());
        },
        now_);
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    ServiceOptions o;
    o.policy_key = policy_key_;
    o.policy_cert_der = policy_cert_;
    o.signed_policy = ToBytes(seq->SerializeAsString());
    auto s = Service::Create(o, now_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    service_ = std::move(s).value();
  }

  std::string Nonce() { return AsString(*RandomBytes(32)); }

  wire::trust_response_message Ask(const wire::trust_request_message& m) {
    Outcome o = service_->Handle(AsBytes(m.SerializeAsString()), now_);
    wire::trust_response_message r;
    EXPECT_TRUE(r.ParseFromArray(o.response.data(), static_cast<int>(o.response.size())));
    EXPECT_EQ(o.admitted, r.status() == "succeeded");
    return r;
  }

  int64_t now_;
  wire::key_message policy_key_, enclave_key_;
  Bytes policy_cert_;
  SimPlatform platform_;
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceTest, AdmitsRsaSimulatedEnclaveWithACertificateForItsKeyAndMeasurement) {
  auto r = Ask(MakeRequest(platform_, enclave_key_, now_, Nonce(), &policy_key_));
  ASSERT_EQ(r.status(), "succeeded") << r.reason();
  EXPECT_EQ(r.requesting_enclave_tag(), "requesting-enclave");
  auto cert = attest::ParseCertificate(AsBytes(r.artifact()));
  ASSERT_TRUE(cert.ok());
  auto policy = attest::ParseCertificate(policy_cert_);
  EXPECT_EQ(X509_verify(cert->get(), X509_get0_pubkey(policy->get())), 1);
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(cert->get()), X509_get_subject_name(policy->get())), 0);
  char org[200] = {0}, cn[64] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert->get()), NID_organizationName, org, sizeof(org));
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert->get()), NID_commonName, cn, sizeof(cn));
  EXPECT_EQ(std::string(org), "Measured-" + HexEncode(platform_.measurement));
  EXPECT_EQ(std::string(cn), "CertifierUsers");
  char ou[64] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert->get()), NID_organizationalUnitName, ou, sizeof(ou));
  EXPECT_EQ(std::string(ou), "Platform-simulated-enclave");
  auto ours = keys::PKeyFromKeyMessage(enclave_key_);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert->get()), ours->get()), 1);
  // Validity from the policy: 30 days (+ the minute of clock tolerance).
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert->get()), X509_get0_notAfter(cert->get()));
  EXPECT_EQ(days, 30);
}

TEST_F(ServiceTest, AdmitsAnEcP384EnclaveKey) {
  auto ec = *keys::GenerateKeyMessage("ecc-384", "authKey");
  auto r = Ask(MakeRequest(platform_, ec, now_, Nonce()));
  EXPECT_EQ(r.status(), "succeeded") << r.reason();
}

TEST_F(ServiceTest, DeniesAWrongMeasurementSayingSo) {
  SimPlatform other = platform_;
  other.measurement = Bytes(32, 0x11);
  auto r = Ask(MakeRequest(other, enclave_key_, now_, Nonce()));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("measurement 1111"), std::string::npos) << r.reason();
  EXPECT_NE(r.reason().find("not trusted"), std::string::npos) << r.reason();
  EXPECT_FALSE(r.has_artifact());
}

TEST_F(ServiceTest, DeniesEvidenceFromAnUntrustedPlatformKey) {
  SimPlatform stranger = MakeSimPlatform(platform_.measurement, "ecc-256");
  auto r = Ask(MakeRequest(stranger, enclave_key_, now_, Nonce()));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("platform key"), std::string::npos) << r.reason();
}

TEST_F(ServiceTest, DeniesAReplayedNonce) {
  auto m = MakeRequest(platform_, enclave_key_, now_, Nonce());
  EXPECT_EQ(Ask(m).status(), "succeeded");
  auto again = Ask(m);
  EXPECT_EQ(again.status(), "failed");
  EXPECT_NE(again.reason().find("replay"), std::string::npos) << again.reason();
}

TEST_F(ServiceTest, DeniesStaleEvidence) {
  auto r = Ask(MakeRequest(platform_, enclave_key_, now_ - 3000, Nonce()));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("freshness"), std::string::npos) << r.reason();
}

TEST_F(ServiceTest, DeniesEverythingOnceThePolicyHasExpired) {
  // Statements are signed for 10 years (cf-policy's default); a service still running after that admits nothing.
  int64_t later = now_ + int64_t{11} * 365 * 24 * 3600;
  Outcome o =
      service_->Handle(AsBytes(MakeRequest(platform_, enclave_key_, later, Nonce()).SerializeAsString()), later);
  wire::trust_response_message r;
  ASSERT_TRUE(r.ParseFromArray(o.response.data(), static_cast<int>(o.response.size())));
  EXPECT_FALSE(o.admitted);
  EXPECT_NE(r.reason().find("the policy expired at"), std::string::npos) << r.reason();
  EXPECT_LT(service_->policy()->expires_at(), later);
  EXPECT_GT(service_->policy()->expires_at(), now_);
}

TEST_F(ServiceTest, DeniesEvidenceBoundToAnotherPolicyKey) {
  auto other = *keys::GenerateKeyMessage("ecc-256", "policyKey");
  auto r = Ask(MakeRequest(platform_, enclave_key_, now_, Nonce(), &other));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("another policy key"), std::string::npos) << r.reason();
}

TEST_F(ServiceTest, DeniesATamperedReport) {
  auto m = MakeRequest(platform_, enclave_key_, now_, Nonce());
  std::string* report = m.mutable_support()->mutable_fact_assertion(1)->mutable_serialized_evidence();
  wire::signed_report sr;
  ASSERT_TRUE(sr.ParseFromString(*report));
  std::string sig = sr.signature();
  sig[10] ^= 1;
  sr.set_signature(sig);
  *report = sr.SerializeAsString();
  auto r = Ask(m);
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("does not verify"), std::string::npos) << r.reason();
}

TEST_F(ServiceTest, DeniesAnExpiredPlatformEndorsement) {
  SimPlatform expired = platform_;
  auto clause = Says(KeyEntity(platform_.platform_key), Unary(KeyEntity(platform_.attest_key), kForAttestation));
  expired.endorsement =
      *attest::MakeSignedClaim(clause, platform_.platform_key, "platform-endorsement", now_ - 7200, 3600);
  auto r = Ask(MakeRequest(expired, enclave_key_, now_, Nonce()));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("is valid from"), std::string::npos) << r.reason();
}

TEST_F(ServiceTest, DeniesAReportByAnAttestKeyThePlatformDidNotEndorse) {
  SimPlatform mixed = platform_;
  mixed.attest_key = *keys::GenerateKeyMessage("ecc-256", "attestKey");  // signs the report, never endorsed
  auto r = Ask(MakeRequest(mixed, enclave_key_, now_, Nonce()));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("rule 6"), std::string::npos) << r.reason();
}

TEST_F(ServiceTest, DeniesUnsupportedPurposeAndEvidenceTypes) {
  auto m = MakeRequest(platform_, enclave_key_, now_, Nonce());
  m.set_purpose("key-provision");  // the framework's key service, not served here
  EXPECT_NE(Ask(m).reason().find("UNIMPLEMENTED"), std::string::npos);
  m.set_purpose("authentication");
  m.set_submitted_evidence_type("oe-evidence");
  EXPECT_NE(Ask(m).reason().find("not supported"), std::string::npos);
  // TPM evidence is verified now (tests/e2e_tpm): a simulated package under its name is refused for its shape.
  m.set_submitted_evidence_type("tpm-platform-package");
  EXPECT_NE(Ask(m).reason().find("expected 'tpm-ak-public'"), std::string::npos) << Ask(m).reason();
}

TEST_F(ServiceTest, PurposeAttestationAnswersAPlatformRuleSignedByThePolicyKey) {
  auto m = MakeRequest(platform_, enclave_key_, now_, Nonce());
  m.set_purpose("attestation");
  auto r = Ask(m);
  ASSERT_EQ(r.status(), "succeeded") << r.reason();
  wire::signed_claim_message claim;
  ASSERT_TRUE(claim.ParseFromString(r.artifact()));
  auto verified = attest::VerifySignedClaim(claim, &policy_key_, now_);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->descriptor, "platform-rule");
  const wire::vse_clause& c = verified->clause;
  EXPECT_EQ(c.verb(), "says");
  EXPECT_EQ(c.clause().verb(), "is-trusted-for-attestation");
  auto subject = keys::PKeyFromKeyMessage(c.clause().subject().key());
  auto ours = keys::PKeyFromKeyMessage(enclave_key_);
  ASSERT_TRUE(subject.ok());
  EXPECT_EQ(EVP_PKEY_eq(subject->get(), ours->get()), 1);
}

TEST_F(ServiceTest, PurposeAttestationDeniesAWrongMeasurement) {
  SimPlatform other = platform_;  // trusted platform, untrusted measurement
  other.measurement = Bytes(32, 0x11);
  auto m = MakeRequest(other, enclave_key_, now_, Nonce());
  m.set_purpose("attestation");
  auto r = Ask(m);
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("measurement 1111"), std::string::npos) << r.reason();
  EXPECT_FALSE(r.has_artifact());
}

TEST_F(ServiceTest, SurvivesMalformedTruncatedAndRandomRequests) {
  std::string good = MakeRequest(platform_, enclave_key_, now_, Nonce()).SerializeAsString();
  std::mt19937 rng(7);
  int answered = 0;
  for (size_t cut = 0; cut < good.size(); cut += 37) {
    Outcome o = service_->Handle(AsBytes(std::string_view(good).substr(0, cut)), now_);
    EXPECT_FALSE(o.admitted);
    answered += !o.response.empty();
  }
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    for (int k = 0; k < 4; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    Outcome o = service_->Handle(AsBytes(bad), now_);
    answered += !o.response.empty();
    Bytes noise(rng() % 512);
    for (auto& b : noise) b = static_cast<uint8_t>(rng());
    EXPECT_FALSE(service_->Handle(noise, now_).admitted);
  }
  EXPECT_GT(answered, 300);
}

TEST_F(ServiceTest, GenuineSevEvidenceIsVerifiedUpToItsBinding) {
  auto read = [](const std::string& n) { return *ReadFile(std::string(CF_SEV_FIXTURES) + "/" + n); };
  wire::trust_request_message m;
  m.set_submitted_evidence_type("sev-platform-package");
  m.set_purpose("authentication");
  auto* pkg = m.mutable_support();
  for (const char* c : {"ark-ask/milan-ark.pem", "ark-ask/milan-ask.pem", "milan/vcek.der"}) {
    auto* e = pkg->add_fact_assertion();
    e->set_evidence_type("cert");
    e->set_serialized_evidence(AsString(read(c)));
  }
  wire::sev_attestation_message att;
  att.set_what_was_said("user data the report was not made for");
  att.set_reported_attestation(AsString(read("milan/report.bin")));
  auto* e = pkg->add_fact_assertion();
  e->set_evidence_type("sev-attestation");
  e->set_serialized_evidence(att.SerializeAsString());
  auto r = Ask(m);
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("report_data"), std::string::npos) << r.reason();
  // Swapping the ASK for Genoa's breaks the chain before anything else.
  pkg->mutable_fact_assertion(1)->set_serialized_evidence(AsString(read("ark-ask/genoa-ask.pem")));
  EXPECT_NE(Ask(m).reason().find("ASK by ARK"), std::string::npos);
}

TEST(PolicyText, ReportsTheLineThatCannotBeRead) {
  auto key = *keys::GenerateKeyMessage("ecc-256", "policyKey");
  auto no_files = [](const std::string&) -> Result<Bytes> { return Status(Code::kNotFound, "no files"); };
  auto r = CompilePolicy("trust-measurement 00ff\nproperty debug ~ no\n", key, no_files, NowSeconds());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos) << r.status().message();
}

TEST(PolicyText, APolicyWhoseStatementsExpiredIsRefusedAtLoad) {
  auto key = *keys::GenerateKeyMessage("ecc-256", "policyKey");
  auto no_files = [](const std::string&) -> Result<Bytes> { return Status(Code::kNotFound, "no files"); };
  int64_t long_ago = NowSeconds() - int64_t{40} * 365 * 24 * 3600;  // signed 40 years ago: every statement expired
  auto seq = CompilePolicy("trust-measurement 00ff\n", key, no_files, long_ago);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_TRUE(Policy::Load(key, AsBytes(seq->SerializeAsString()), long_ago + 3600).ok());
  auto now = Policy::Load(key, AsBytes(seq->SerializeAsString()), NowSeconds());
  EXPECT_FALSE(now.ok());
  EXPECT_NE(now.status().message().find("not at " + FormatTime(NowSeconds()).substr(0, 10)), std::string::npos)
      << now.status().message();
}

TEST(PolicyText, CompilesSevTemplateAndPrintsItInWords) {
  auto key = *keys::GenerateKeyMessage("ecc-384", "policyKey");
  auto ark = *ReadFile(std::string(CF_SEV_FIXTURES) + "/ark-ask/milan-ark.pem");
  auto seq = CompilePolicy(
      "# SEV policy\ntrust-platform-key ark.pem\ntrust-measurement 7a1e\nplatform amd-sev-snp\n"
      "property debug = no\nproperty tcb-version >= 0x7308000000000003\n",
      key, [&](const std::string&) -> Result<Bytes> { return ark; }, NowSeconds());
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(seq->claims_size(), 3);
  auto policy = Policy::Load(key, AsBytes(seq->SerializeAsString()), NowSeconds());
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  std::string text = policy->Describe();
  EXPECT_NE(text.find("admits programs whose measurement is 7a1e"), std::string::npos) << text;
  EXPECT_NE(text.find("trusts the platform key Key[rsa-4096-public, ARK-Milan"), std::string::npos) << text;
  EXPECT_NE(text.find("amd-sev-snp, debug = no, tcb-version >= 0x7308000000000003"), std::string::npos) << text;
  // A policy checked under another key is refused.
  auto other = *keys::GenerateKeyMessage("ecc-384", "policyKey");
  EXPECT_FALSE(Policy::Load(other, AsBytes(seq->SerializeAsString()), NowSeconds()).ok());
}

}  // namespace
}  // namespace cf::certifier
