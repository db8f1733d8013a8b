// TDX quote parsing on Intel's genuine production quote: every fact the fixture README states, and refusals of
// truncated, oversized and malformed quotes (with the field named), never a crash.
#include <gtest/gtest.h>

#include "attest/tdx/quote.h"
#include "tests/unit/attest/tdx/tdx_fixture.h"

namespace cf::attest::tdx {
namespace {

using namespace testing;

template <size_t N>
std::string H(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
}

TEST(TdxQuote, GenuineQuoteFieldsMatchTheReadme) {
  Bytes raw = FixtureFile();
  ASSERT_EQ(raw.size(), 4974u);
  auto q = ParseQuote(raw);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->header.version, 4);
  EXPECT_EQ(q->header.attestation_key_type, 2);
  EXPECT_EQ(q->header.tee_type, 0x81u);
  EXPECT_EQ(H(q->header.qe_vendor_id), "939a7233f79c4ca9940a0db3957f0607");
  EXPECT_EQ(q->body.body_type, 2);
  EXPECT_EQ(H(q->body.tee_tcb_svn), "03000400000000000000000000000000");
  EXPECT_EQ(H(q->body.mr_td),
            "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb");
  EXPECT_EQ(q->body.td_attributes, 0x0000000040000000ull);  // bytes 0000004000000000, little-endian
  EXPECT_FALSE(q->body.debug());
  EXPECT_EQ(q->body.xfam, 0x61ae7ull);
  EXPECT_EQ(H(q->body.rtmr[0]),
            "2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a");
  EXPECT_EQ(H(q->body.report_data),
            "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d7"
            "66c66f6f29f8acb281f1113");
  EXPECT_EQ(q->signed_bytes.size(), 632u);
  EXPECT_EQ(q->quote_size - 636, 4299u);  // signature data length at offset 632
  EXPECT_EQ(q->qe_auth_data.size(), 32u);
  EXPECT_EQ(q->trailing_bytes, kFixtureTrailing);
  EXPECT_EQ(q->quote_size, kQuoteEnd);
  const std::string pem = AsString(q->pck_chain_pem);
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  size_t count = 0;
  for (size_t at = pem.find("BEGIN CERTIFICATE"); at != std::string::npos; at = pem.find("BEGIN CERTIFICATE", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u);
}

TEST(TdxQuote, DescribeNamesEveryReadmeValue) {
  auto q = ParseQuote(GenuineQuote());
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  const std::string text = DescribeQuote(*q);
  for (const char* line :
       {"version: 4\n", "attestation_key_type: 2 (ECDSA P-256)\n", "tee_type: 0x81 (TDX)\n",
        "qe_vendor_id: 939a7233f79c4ca9940a0db3957f0607 (Intel)\n", "tee_tcb_svn: 03000400000000000000000000000000\n",
        "mrtd: 6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb\n",
        "td_attributes: 0000004000000000 ", "xfam: e71a060000000000 ",
        "rtmr0: 2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a\n",
        "report_data: 6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dace"
        "ad6f0c87a6d766c66f6f29f8acb281f1113\n",
        "signature_data_size: 4299\n", "certification_data_type: 6 (QE report certification data)\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << text;
  }
}

TEST(TdxQuote, EveryTruncationIsRefusedWithTheFieldNamed) {
  const Bytes raw = GenuineQuote();
  for (size_t n = 0; n < raw.size(); ++n) {
    auto q = ParseQuote(ByteView(raw.data(), n));
    ASSERT_FALSE(q.ok()) << "a prefix of " << n << " bytes parsed";
    EXPECT_EQ(q.status().code(), Code::kInvalidArgument);
    EXPECT_NE(q.status().message().find("TDX quote truncated"), std::string::npos) << q.status().message();
  }
}

TEST(TdxQuote, OversizedInputAndLengthsAreRefused) {
  Bytes big = GenuineQuote();
  big.resize(kMaxQuoteSize + 1);
  EXPECT_NE(ParseQuote(big).status().message().find("exceeds"), std::string::npos);

  Bytes huge_sig = GenuineQuote();
  PutLe32(&huge_sig, kSignatureDataOffset, 0xFFFFFFFFu);
  EXPECT_NE(ParseQuote(huge_sig).status().message().find("signature_data needs 4294967295"), std::string::npos);

  // A certification data size larger than its content but inside the signature data: the inner sizes disagree.
  Bytes inner = GenuineQuote();
  inner.push_back(0);
  PutLe32(&inner, kSignatureDataOffset, 4300);
  PutLe32(&inner, kCertDataOffset + 2, 4166);
  EXPECT_NE(ParseQuote(inner).status().message().find("after the PCK chain"), std::string::npos);
}

TEST(TdxQuote, UnknownVersionKeyTeeAndCertificationTypesAreRefused) {
  const Bytes raw = GenuineQuote();
  Bytes v3 = raw;
  v3[0] = 3;
  EXPECT_NE(ParseQuote(v3).status().message().find("version 3 is not supported"), std::string::npos);
  Bytes key3 = raw;
  key3[2] = 3;
  EXPECT_NE(ParseQuote(key3).status().message().find("attestation key type 3"), std::string::npos);
  Bytes sgx = raw;
  sgx[4] = 0;
  EXPECT_NE(ParseQuote(sgx).status().message().find("is not TDX"), std::string::npos);
  Bytes type5 = raw;
  type5[kCertDataOffset] = 5;
  EXPECT_NE(ParseQuote(type5).status().message().find("certification data type 5"), std::string::npos);
  Bytes inner4 = raw;
  inner4[kPckCertDataOffset] = 4;
  EXPECT_NE(ParseQuote(inner4).status().message().find("type 4"), std::string::npos);
}

// Version 5 inserts a body descriptor (type, size) after the header; type 3 is the TDX 1.5 body, 64 bytes longer.
Bytes AsVersion5(const Bytes& v4, uint16_t body_type) {
  Bytes out(v4.begin(), v4.begin() + kHeaderSize);
  out[0] = 5;
  const uint32_t size = body_type == 3 ? kTdReport15Size : kTdReport10Size;
  out.push_back(static_cast<uint8_t>(body_type));
  out.push_back(0);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(size >> (8 * i)));
  out.insert(out.end(), v4.begin() + kHeaderSize, v4.begin() + kSignatureDataOffset);
  if (body_type == 3) {
    for (int i = 0; i < 64; ++i) out.push_back(static_cast<uint8_t>(0xA0 + (i % 16)));
  }
  out.insert(out.end(), v4.begin() + kSignatureDataOffset, v4.end());
  return out;
}

TEST(TdxQuote, Version5BodiesParse) {
  const Bytes v4 = GenuineQuote();
  auto ten = ParseQuote(AsVersion5(v4, 2));
  ASSERT_TRUE(ten.ok()) << ten.status().ToString();
  EXPECT_EQ(ten->header.version, 5);
  EXPECT_EQ(ten->body.body_type, 2);
  EXPECT_EQ(ten->signed_bytes.size(), 48u + 6u + 584u);
  auto fifteen = ParseQuote(AsVersion5(v4, 3));
  ASSERT_TRUE(fifteen.ok()) << fifteen.status().ToString();
  EXPECT_EQ(fifteen->body.body_type, 3);
  EXPECT_EQ(fifteen->body.tee_tcb_svn2[0], 0xA0);
  EXPECT_EQ(fifteen->body.mr_service_td[47], 0xAF);
  EXPECT_EQ(H(fifteen->body.mr_td), H(ten->body.mr_td));

  Bytes bad_type = AsVersion5(v4, 2);
  bad_type[48] = 4;
  EXPECT_NE(ParseQuote(bad_type).status().message().find("body type 4"), std::string::npos);
  Bytes bad_size = AsVersion5(v4, 2);
  bad_size[50] = 0;
  EXPECT_NE(ParseQuote(bad_size).status().message().find("expected 584"), std::string::npos);
}

}  // namespace
}  // namespace cf::attest::tdx
