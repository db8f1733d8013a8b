// Which key signed a report, and what its certificate says, on the genuine fixtures: the Milan VCEK (64-byte chip
// id, Milan TCB layout), the Turin VCEK sample (8-byte chip id, FMC SPL, Turin TCB layout), a report whose
// SIGNING_KEY says VLEK, and the host's table handing the VLEK rather than the VCEK for such a report. No genuine
// VLEK exists in the fixtures: a self-signed stand-in (CN SEV-VLEK, SPL extensions) plays it where only its
// identity and TCB matter.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "attest/sev_snp/sev_evidence.h"
#include "common/time_text.h"
#include "common/x509_der.h"
#include "tests/unit/attest/sev_snp/sev_fixtures.h"

namespace cf::attest::snp::testing {
namespace {

constexpr uint64_t kMilanTcb = 0x7308000000000003ull;

// Sets FLAGS.SIGNING_KEY (bits 4:2) of a raw report.
Bytes WithSigningKey(Bytes report, uint8_t key) {
  report[0x48] = static_cast<uint8_t>((report[0x48] & ~0x1c) | (key << 2));
  return report;
}

void SetTcb(Bytes& report, uint64_t tcb) {
  for (int i = 0; i < 8; ++i) report[0x180 + i] = static_cast<uint8_t>(tcb >> (8 * i));
}

void AddSpl(X509* cert, const char* oid, uint8_t value) {
  const uint8_t der[] = {0x02, 0x01, value};  // INTEGER, as AMD encodes an SPL
  ossl::Asn1Object obj(OBJ_txt2obj(oid, 1));
  ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(data, der, sizeof(der));
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, data);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(data);
}

// A self-signed P-384 certificate named like a VLEK, whose SPLs give the Milan-layout TCB `kMilanTcb`.
Bytes StandInVlek() {
  EVP_PKEY* key = EVP_EC_gen("P-384");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("SEV-VLEK"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  AddSpl(cert, "1.3.6.1.4.1.3704.1.3.1", 0x03);
  AddSpl(cert, "1.3.6.1.4.1.3704.1.3.2", 0x00);
  AddSpl(cert, "1.3.6.1.4.1.3704.1.3.3", 0x08);
  AddSpl(cert, "1.3.6.1.4.1.3704.1.3.8", 0x73);
  X509_sign(cert, key, EVP_sha384());
  auto der = ossl::CertificateDer(cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  return der.ok() ? *der : Bytes();
}

ossl::X509Ptr Cert(const Bytes& der) {
  auto c = ParseCertificate(der);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

TEST(SigningKey, TurinVcekNamesTheChipByEightBytesAndUsesTurinsTcbLayout) {
  auto vcek = Cert(Fixture("ark-ask/turin-vcek-sample.der"));
  ASSERT_TRUE(vcek);
  auto facts = ReadVcekFacts(vcek.get());
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(facts->kind, "VCEK");
  EXPECT_EQ(facts->product, "Turin");
  EXPECT_EQ(HexEncode(facts->chip_id), "1e550a8ee5cf9f4d");
  // FMC 0, boot loader 0, TEE 0, SNP 0 in bytes 0..3; microcode 9 in byte 7.
  EXPECT_EQ(facts->tcb, 0x0900000000000000ull);
  auto ark = Cert(FixtureDer("ark-ask/turin-ark.pem")), ask = Cert(FixtureDer("ark-ask/turin-ask.pem"));
  EXPECT_TRUE(VerifySevChain(ark.get(), ask.get(), vcek.get(), NowSeconds()).ok());
}

TEST(SigningKey, MilanVcekKeepsTheSixtyFourByteChipIdOfItsReport) {
  MilanData m;
  auto vcek = Cert(m.vcek);
  auto facts = ReadVcekFacts(vcek.get());
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(facts->kind, "VCEK");
  EXPECT_EQ(facts->product, "Milan-B0");
  EXPECT_EQ(facts->tcb, kMilanTcb);
  auto report = ParseReport(m.report);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(facts->chip_id.size(), 64u);
  EXPECT_TRUE(std::equal(facts->chip_id.begin(), facts->chip_id.end(), report->chip_id.begin()));
  EXPECT_EQ(report->signing_key(), SigningKey::kVcek);
  EXPECT_EQ(report->cpuid_family_id, 0) << "a version 2 report carries no CPUID";
  EXPECT_NE(DescribeReport(*report).find("signed by VCEK"), std::string::npos);
}

TEST(SigningKey, AReportSignedByTheVlekIsNotCheckedAgainstAVcek) {
  MilanData m;
  auto vcek = Cert(m.vcek);
  auto r = VerifySevReport(WithSigningKey(m.report, 1), vcek.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("signed by the VLEK"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("certificate given is a VCEK"), std::string::npos) << r.status().message();
  // Against a VLEK the kinds agree and the signature is what fails, naming the VLEK.
  auto vlek = Cert(StandInVlek());
  r = VerifySevReport(WithSigningKey(m.report, 1), vlek.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated);
  EXPECT_NE(r.status().message().find("does not verify under the VLEK"), std::string::npos) << r.status().message();
  // The genuine report still verifies under its VCEK.
  EXPECT_TRUE(VerifySevReport(m.report, vcek.get()).ok());
}

TEST(SigningKey, AReportSignedByNoKeyIsRefused) {
  MilanData m;
  auto vcek = Cert(m.vcek);
  auto r = VerifySevReport(WithSigningKey(m.report, 7), vcek.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated);
  EXPECT_NE(r.status().message().find("no key"), std::string::npos) << r.status().message();
}

// The third "cert" evidence: the report-signing certificate.
Bytes SignerEvidence(const Result<std::vector<wire::evidence>>& evidence) {
  EXPECT_TRUE(evidence.ok()) << evidence.status().ToString();
  if (!evidence.ok() || evidence->size() != 3) return {};
  return ToBytes((*evidence)[2].serialized_evidence());
}

TEST(SigningKey, TheHostsTableGivesTheVlekForAVlekSignedReportAndTheVcekOtherwise) {
  MilanData m;
  Bytes vlek = StandInVlek();
  Bytes table = BuildCertTable({{kVcekGuid, m.vcek}, {kAskGuid, m.ask}, {kArkGuid, m.ark}, {kVlekGuid, vlek}});
  auto vcek_signed = ParseReport(m.report);
  ASSERT_TRUE(vcek_signed.ok());
  EXPECT_EQ(SignerEvidence(SevPlatformEvidence(table, "", &*vcek_signed)), m.vcek);
  auto vlek_signed = ParseReport(WithSigningKey(m.report, 1));
  ASSERT_TRUE(vlek_signed.ok());
  EXPECT_EQ(SignerEvidence(SevPlatformEvidence(table, "", &*vlek_signed)), vlek);
  // A table without a VLEK cannot serve a VLEK-signed report, and says whose key is missing.
  auto missing = SevPlatformEvidence(m.Table(), "", &*vlek_signed);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("VLEK"), std::string::npos) << missing.status().message();
  EXPECT_NE(missing.status().message().find("cloud provider"), std::string::npos) << missing.status().message();
  // A VLEK entry that holds a VCEK is the host's mistake, named as such.
  Bytes swapped = BuildCertTable({{kAskGuid, m.ask}, {kArkGuid, m.ark}, {kVlekGuid, m.vcek}});
  auto wrong = SevPlatformEvidence(swapped, "", &*vlek_signed);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("holds a VCEK certificate"), std::string::npos) << wrong.status().message();
}

TEST(SigningKey, ATurinReportIsMatchedToItsVcekByTheChipIdsFirstEightBytes) {
  // No Turin report exists in the fixtures: the Milan report with the Turin sample's chip id and TCB stands in for
  // the host-side consistency check (the signature is not checked there).
  MilanData m;
  Bytes turin = Fixture("ark-ask/turin-vcek-sample.der");
  Bytes report = m.report;
  const uint8_t chip[8] = {0x1e, 0x55, 0x0a, 0x8e, 0xe5, 0xcf, 0x9f, 0x4d};
  ASSERT_GE(report.size(), 0x1E0u);
  std::memcpy(report.data() + 0x1A0, chip, sizeof(chip));
  std::fill(report.begin() + 0x1A8, report.begin() + 0x1E0, 0);
  SetTcb(report, 0x0900000000000000ull);
  auto parsed = ParseReport(report);
  ASSERT_TRUE(parsed.ok());
  Bytes table = BuildCertTable({{kVcekGuid, turin}, {kAskGuid, m.ask}, {kArkGuid, m.ark}});
  EXPECT_EQ(SignerEvidence(SevPlatformEvidence(table, "", &*parsed)), FixtureDer("ark-ask/turin-vcek-sample.der"));
  report[0x1A3] ^= 1;  // another chip
  parsed = ParseReport(report);
  auto other = SevPlatformEvidence(table, "", &*parsed);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("another machine's certificate"), std::string::npos)
      << other.status().message();
}

}  // namespace
}  // namespace cf::attest::snp::testing
