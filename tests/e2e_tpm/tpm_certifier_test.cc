// Certification on the TPM platform by a real cf-certifier: a policy that trusts one TPM attestation key and the
// measurement of PCR 7, made with cf-policy from the files the enclave writes (ak.key). Admitted with the
// measurement and platform in the certificate; refused for another AK and for a quote over other PCRs; and
// cf-osutility --init-trust --enclave-type tpm-enclave certifying against the same service; cf-attest's TPM commands.
#include "attest/verify_tpm.h"
#include "common/ossl_context.h"
#include "tests/e2e_certifier/certifier_process.h"
#include "tests/e2e_tpm/swtpm_process.h"

namespace cf::attest {
namespace {

class TpmCertifier : public CertifierProcess {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(ossl::OpenLibCtx().ok());
    swtpm_ = new testing::Swtpm();
    ASSERT_TRUE(swtpm_->ok()) << swtpm_->error();
    MakeDirAndPolicyKey("tpm", "e2e-domain");
    if (HasFatalFailure()) return;
    auto enclave = Open("platform", "");
    ASSERT_TRUE(enclave.ok()) << enclave.status().ToString();
    enclave_ = std::move(enclave).value().release();
    std::ofstream(dir_ + "/policy.txt") << "# TPM policy\ntrust-platform-key " << dir_ << "/platform/ak.key\n"
                                        << "trust-measurement " << HexEncode(enclave_->measurement()) << "\n";
    CompilePolicy();
    if (HasFatalFailure()) return;
    StartDaemon();
  }
  static void TearDownTestSuite() {
    CertifierProcess::TearDownTestSuite();
    delete swtpm_;
  }
  static Result<std::unique_ptr<Enclave>> Open(const std::string& sub, const std::string& pcrs) {
    EnclaveOptions o;
    o.type = kTpmEnclave;
    o.directory = dir_ + "/" + sub;
    o.tpm_tcti = swtpm_->tcti();
    o.tpm_pcrs = pcrs;
    return OpenEnclave(o);
  }
  inline static testing::Swtpm* swtpm_ = nullptr;
};

TEST_F(TpmCertifier, AdmitsAQuoteByTheTrustedAkWithThePcrMeasurementInTheCertificate) {
  CertificationRequest r = Request();
  r.expected_measurement = enclave_->measurement();
  r.expected_platform = "tpm-enclave";
  auto der = Certify(*enclave_, r);
  ASSERT_TRUE(der.ok()) << der.status().ToString() << "\n" << Log();
  EXPECT_NE(Log().find("admitted tpm-platform-package for authentication"), std::string::npos) << Log();
}

TEST_F(TpmCertifier, RefusesAnAttestationKeyThePolicyDoesNotTrust) {
  auto other = Open("platform-other", "");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  auto der = Certify(**other, Request());
  ASSERT_EQ(der.status().code(), Code::kPolicyDenied) << der.status().ToString();
  EXPECT_NE(der.status().message().find("TPM attestation key"), std::string::npos) << der.status().message();
}

TEST_F(TpmCertifier, RefusesAQuoteOverOtherPcrs) {
  auto wide = Open("platform", "0,7");  // the trusted AK, but PCRs 0 and 7
  ASSERT_TRUE(wide.ok()) << wide.status().ToString();
  auto der = Certify(**wide, Request());
  ASSERT_EQ(der.status().code(), Code::kPolicyDenied) << der.status().ToString();
  EXPECT_NE(der.status().message().find("measurement " + HexEncode((*wide)->measurement()) + " is not trusted"),
            std::string::npos)
      << der.status().message();
}

TEST_F(TpmCertifier, OsutilityInitTrustCertifiesOnTheTpmPlatform) {
  int st = 0;
  const std::string token = dir_ + "/token";
  std::string out = Shell(std::string(CF_OSUTILITY_BIN) + " --init-trust --enclave-type tpm-enclave --tpm-tcti " +
                              swtpm_->tcti() + " --token-dir " + token + " --sealed-key-filename " + dir_ +
                              "/platform --certifier-address 127.0.0.1:" + std::to_string(port_) +
                              " --policy-cert-file " + dir_ + "/policy_cert.der",
                          &st);
  ASSERT_EQ(st, 0) << out << "\n" << Log();
  EXPECT_NE(out.find(HexEncode(enclave_->measurement())), std::string::npos) << out;
  // The store opens again (same boot state) and says it is certified.
  out = Shell(std::string(CF_OSUTILITY_BIN) + " --print-cryptstore --enclave-type tpm-enclave --tpm-tcti " +
                  swtpm_->tcti() + " --token-dir " + token + " --sealed-key-filename " + dir_ + "/platform",
              &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("admission"), std::string::npos) << out;
  // Two processes on the one TPM-backed token at once: each unseals the platform key through the TPM and writes.
  const std::string osu = std::string(CF_OSUTILITY_BIN) + " --enclave-type tpm-enclave --tpm-tcti " + swtpm_->tcti() +
                          " --token-dir " + token + " --sealed-key-filename " + dir_ + "/platform";
  std::ofstream(dir_ + "/item") << "shared item";
  out = Shell("(" + osu + " --put-item " + dir_ + "/item --tag a --type binary-blob --exportable & a=$!; " + osu +
                  " --put-item " + dir_ + "/item --tag b --type binary-blob --exportable & b=$!; wait $a && wait $b)" +
                  " && " + osu + " --get-item --tag a && " + osu + " --get-item --tag b",
              &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("shared itemshared item"), std::string::npos) << out;
}

// cf-attest on a recorded quote: tpm-quote writes the evidence, tpm-verify says VALID with the measurement, and
// refuses the same file with one byte of the quote flipped, or checked against another AK.
TEST_F(TpmCertifier, CfAttestRecordsDisplaysAndVerifiesAQuote) {
  int st = 0;
  const std::string cf_attest = CF_ATTEST_BIN;
  const std::string ev = dir_ + "/quote.bin";
  ASSERT_TRUE(Open("platform-other", "").ok());  // another AK on the same TPM
  std::string out = Shell(
      cf_attest + " tpm-quote --platform-dir " + dir_ + "/platform --tcti " + swtpm_->tcti() + " --out " + ev, &st);
  ASSERT_EQ(st, 0) << out;
  out = Shell(cf_attest + " tpm-display " + ev, &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("pcr selection: sha256:7"), std::string::npos) << out;
  EXPECT_NE(out.find("(TPM_GENERATED_VALUE)"), std::string::npos) << out;
  out = Shell(cf_attest + " tpm-verify " + ev + " --ak " + dir_ + "/platform/ak.pub", &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("verdict: VALID"), std::string::npos) << out;
  EXPECT_NE(out.find("measurement: " + HexEncode(enclave_->measurement())), std::string::npos) << out;
  out = Shell(cf_attest + " tpm-verify " + ev + " --ak " + dir_ + "/platform-other/ak.pub", &st);
  EXPECT_NE(st, 0) << out;
  EXPECT_NE(out.find("verdict: INVALID"), std::string::npos) << out;
  wire::tpm_attestation_message m;
  ASSERT_TRUE(m.ParseFromString(AsString(*ReadFile(ev))));
  (*m.mutable_the_quote())[20] ^= 0x04;
  ASSERT_TRUE(WriteFileAtomic(ev, AsBytes(m.SerializeAsString())).ok());
  out = Shell(cf_attest + " tpm-verify " + ev + " --ak " + dir_ + "/platform/ak.pub", &st);
  EXPECT_NE(st, 0) << out;
  EXPECT_NE(out.find("does not verify"), std::string::npos) << out;
}

}  // namespace
}  // namespace cf::attest
