// SEV-SNP chain and report signature verification on genuine AMD data: the good case passes, and flipping any
// byte of the signed area, of the signature, or of a certificate is refused.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "attest/verify_sev.h"
#include "common/atomic_file.h"
#include "common/time_text.h"
#include "common/x509_der.h"

namespace cf::attest {
namespace {

Bytes Fixture(const std::string& name) {
  auto b = ReadFile(std::string(CF_SEV_FIXTURES) + "/" + name);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? *b : Bytes();
}

ossl::X509Ptr Cert(const std::string& name) {
  auto c = ParseCertificate(Fixture(name));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

class SevVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    ark_ = Cert("ark-ask/milan-ark.pem");
    ask_ = Cert("ark-ask/milan-ask.pem");
    vcek_ = Cert("milan/vcek.der");
    report_ = Fixture("milan/report.bin");
    ASSERT_TRUE(ark_ && ask_ && vcek_);
  }
  ossl::X509Ptr ark_, ask_, vcek_;
  Bytes report_;
  int64_t now_ = NowSeconds();
};

TEST_F(SevVerify, GenuineMilanChainVerifies) {
  Status s = VerifySevChain(ark_.get(), ask_.get(), vcek_.get(), now_);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(SevVerify, ChainWithTheWrongProductLineIsRefused) {
  ossl::X509Ptr genoa_ark = Cert("ark-ask/genoa-ark.pem");
  ossl::X509Ptr genoa_ask = Cert("ark-ask/genoa-ask.pem");
  EXPECT_EQ(VerifySevChain(genoa_ark.get(), genoa_ask.get(), vcek_.get(), now_).code(), Code::kUnauthenticated);
  EXPECT_EQ(VerifySevChain(ark_.get(), genoa_ask.get(), vcek_.get(), now_).code(), Code::kUnauthenticated);
}

TEST_F(SevVerify, ChainOutsideValidityIsRefused) {
  // The Milan VCEK is valid 2023-04-03 .. 2030-04-03.
  EXPECT_EQ(VerifySevChain(ark_.get(), ask_.get(), vcek_.get(), 2000000000).code(), Code::kPolicyDenied);
}

TEST_F(SevVerify, VcekFactsMatchTheReport) {
  auto facts = ReadVcekFacts(vcek_.get());
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(facts->tcb, 0x7308000000000003ull);
  EXPECT_EQ(HexEncode(ByteView(facts->chip_id.data(), 16)), "d49554ec717f4e5b0fe6b143bcf0405b");
}

TEST_F(SevVerify, GenuineReportSignatureVerifies) {
  auto r = VerifySevReport(report_, vcek_.get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->measurement[0], 0x7a);
}

TEST_F(SevVerify, EveryFlippedByteOfTheSignedAreaIsRefused) {
  for (size_t off = 0; off < snp::kSignedSize; ++off) {
    Bytes bad = report_;
    bad[off] ^= 0x01;
    auto r = VerifySevReport(bad, vcek_.get());
    EXPECT_FALSE(r.ok()) << "flip at offset 0x" << std::hex << off << " was accepted";
  }
}

TEST_F(SevVerify, EveryFlippedByteOfTheSignatureIsRefused) {
  // R and S occupy the low 48 bytes of each 72-byte field; the high bytes must be zero.
  for (size_t off = snp::kSignatureOffset; off < snp::kSignatureOffset + 2 * snp::kSignatureFieldSize; ++off) {
    Bytes bad = report_;
    bad[off] ^= 0x80;
    EXPECT_FALSE(VerifySevReport(bad, vcek_.get()).ok()) << "flip at offset 0x" << std::hex << off;
  }
}

TEST_F(SevVerify, EveryFlippedByteOfTheReservedTailIsRefused) {
  // Bytes after R and S are not signed; a report carrying anything there is refused, so no byte of the report can
  // change unnoticed.
  for (size_t off = snp::kSignatureOffset + 2 * snp::kSignatureFieldSize; off < snp::kReportSize; ++off) {
    Bytes bad = report_;
    bad[off] ^= 0x01;
    EXPECT_FALSE(VerifySevReport(bad, vcek_.get()).ok()) << "flip at offset 0x" << std::hex << off;
  }
}

TEST_F(SevVerify, ReportUnderAnotherVcekIsRefused) {
  ossl::X509Ptr other = Cert("ark-ask/turin-vcek-sample.der");
  ASSERT_TRUE(other);
  EXPECT_FALSE(VerifySevReport(report_, other.get()).ok());
}

// Flips one bit in every byte of a DER certificate; each variant must fail to parse or fail `chain`.
template <typename Chain>
void ExpectEveryFlipRefused(const Bytes& der, Chain chain) {
  int parsed = 0;
  for (size_t off = 0; off < der.size(); ++off) {
    Bytes bad = der;
    bad[off] ^= 0x01;
    auto cert = ParseCertificate(bad);
    if (!cert.ok()) continue;  // refused already
    ++parsed;
    EXPECT_FALSE(chain(cert->get()).ok()) << "flip at byte " << off << " of " << der.size() << " accepted";
  }
  EXPECT_GT(parsed, static_cast<int>(der.size() / 2));  // most flips reach the signature check
}

TEST_F(SevVerify, EveryFlippedByteOfTheVcekCertificateIsRefused) {
  ExpectEveryFlipRefused(Fixture("milan/vcek.der"),
                         [&](X509* c) { return VerifySevChain(ark_.get(), ask_.get(), c, now_); });
}

TEST_F(SevVerify, EveryFlippedByteOfTheAskCertificateIsRefused) {
  auto der = ossl::CertificateDer(ask_.get());
  ASSERT_TRUE(der.ok());
  ExpectEveryFlipRefused(*der, [&](X509* c) { return VerifySevChain(ark_.get(), c, vcek_.get(), now_); });
}

TEST_F(SevVerify, EveryFlippedByteOfTheArkCertificateIsRefused) {
  auto der = ossl::CertificateDer(ark_.get());
  ASSERT_TRUE(der.ok());
  ExpectEveryFlipRefused(*der, [&](X509* c) { return VerifySevChain(c, ask_.get(), vcek_.get(), now_); });
}

TEST_F(SevVerify, AttestationBindingRequiresSha384OfWhatWasSaid) {
  // The genuine report's report_data is not SHA-384 of our bytes: the binding check must refuse it.
  wire::sev_attestation_message msg;
  msg.set_what_was_said("not what the report was made for");
  msg.set_reported_attestation(AsString(report_));
  auto att = VerifySevAttestation(msg, vcek_.get());
  ASSERT_FALSE(att.ok());
  EXPECT_EQ(att.status().code(), Code::kUnauthenticated);
  EXPECT_NE(att.status().message().find("report_data"), std::string::npos);
}

}  // namespace
}  // namespace cf::attest
