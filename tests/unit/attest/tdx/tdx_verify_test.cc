// TDX quote verification on Intel's genuine production quote: the chain to the pinned Intel SGX Root CA, the QE
// report signature, the QE binding and the quote signature hold; a flipped byte anywhere in header, body, signatures,
// QE report, QE authentication data or certificates is refused with the check that caught it; a root that only names
// itself Intel is refused; the verification time matters.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attest/verify_sev.h"
#include "attest/verify_tdx.h"
#include "common/ossl_context.h"
#include "common/time_text.h"
#include "common/x509_der.h"
#include "tests/unit/attest/tdx/tdx_fixture.h"

namespace cf::attest {
namespace {

using namespace tdx::testing;

constexpr int64_t k2026 = 1767225600;       // 2026-01-01: every certificate of the fixture is valid
constexpr int64_t kAfterPck = 1884643200;   // 2029-09-21: the PCK certificate (to 2029-09-20) has expired
constexpr int64_t kBeforePck = 1640995200;  // 2022-01-01: the PCK certificate (from 2022-09-20) is not valid yet

TdxVerifyOptions At(int64_t now) {
  TdxVerifyOptions o;
  o.now = now;
  return o;
}

std::string Refusal(const Bytes& quote, int64_t now = k2026) {
  auto v = VerifyTdxQuote(quote, At(now));
  return v.ok() ? "accepted" : v.status().message();
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(TdxVerify, GenuineQuoteVerifiesAtATimeInsideValidity) {
  auto v = VerifyTdxQuote(GenuineQuote(), At(k2026));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->pck_issuer, "Intel SGX PCK Platform CA");
  EXPECT_FALSE(v->revocation_checked);
  EXPECT_EQ(sk_X509_num(v->chain.get()), 3);
  EXPECT_EQ(v->pck.sgx_type >= 0, true);
  EXPECT_NE(HexEncode(v->pck.fmspc), "000000000000");
}

TEST(TdxVerify, GenuineQuoteVerifiesNowWhileItsCertificatesAreValid) {
  // The PCK certificate expires 2029-09-20; until then the fixture verifies at the current time too.
  const int64_t now = NowSeconds();
  auto v = VerifyTdxQuote(GenuineQuote(), At(now));
  if (now < kAfterPck) {
    EXPECT_TRUE(v.ok()) << v.status().ToString();
  } else {
    EXPECT_EQ(v.status().code(), Code::kPolicyDenied);
  }
}

TEST(TdxVerify, ExpiredAndNotYetValidPckAreRefused) {
  auto late = VerifyTdxQuote(GenuineQuote(), At(kAfterPck));
  EXPECT_EQ(late.status().code(), Code::kPolicyDenied);
  EXPECT_TRUE(Has(late.status().message(), "'Intel SGX PCK Certificate' has expired")) << late.status().message();
  auto early = VerifyTdxQuote(GenuineQuote(), At(kBeforePck));
  EXPECT_EQ(early.status().code(), Code::kPolicyDenied);
  EXPECT_TRUE(Has(early.status().message(), "not valid yet")) << early.status().message();
}

TEST(TdxVerify, TrailingBytesAreRefusedUnlessAllowed) {
  EXPECT_TRUE(Has(Refusal(FixtureFile()), "followed by 39 bytes"));
  TdxVerifyOptions o = At(k2026);
  o.allow_trailing_bytes = true;
  auto v = VerifyTdxQuote(FixtureFile(), o);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
}

TEST(TdxVerify, EveryFlippedByteOfHeaderAndBodyBreaksTheQuoteSignature) {
  const Bytes raw = GenuineQuote();
  for (size_t i = 0; i < kSignatureDataOffset; ++i) {
    Bytes b = raw;
    b[i] ^= 0x01;
    const std::string why = Refusal(b);
    // Version, key type and TEE type are checked by the parser before any signature.
    if (i < 8) {
      EXPECT_TRUE(why != "accepted") << "byte " << i;
      continue;
    }
    ASSERT_TRUE(Has(why, "quote signature by the attestation key")) << "byte " << i << ": " << why;
  }
}

TEST(TdxVerify, EveryFlippedByteOfTheQuoteSignatureIsRefused) {
  const Bytes raw = GenuineQuote();
  for (size_t i = kQuoteSignatureOffset; i < kAttestationKeyOffset; ++i) {
    Bytes b = raw;
    b[i] ^= 0x80;
    ASSERT_TRUE(Has(Refusal(b), "quote signature")) << "byte " << i;
  }
}

TEST(TdxVerify, EveryFlippedByteOfTheAttestationKeyBreaksTheQeBinding) {
  const Bytes raw = GenuineQuote();
  for (size_t i = kAttestationKeyOffset; i < kCertDataOffset; ++i) {
    Bytes b = raw;
    b[i] ^= 0x01;
    ASSERT_TRUE(Has(Refusal(b), "QE report REPORTDATA is not SHA-256(attestation key")) << "byte " << i;
  }
}

TEST(TdxVerify, EveryFlippedByteOfTheQeReportAndItsSignatureIsRefused) {
  const Bytes raw = GenuineQuote();
  for (size_t i = kQeReportOffset; i < kQeReportSignatureOffset + 64; ++i) {
    Bytes b = raw;
    b[i] ^= 0x01;
    ASSERT_TRUE(Has(Refusal(b), "QE report signature by the PCK certificate's key")) << "byte " << i;
  }
}

TEST(TdxVerify, EveryFlippedByteOfTheQeAuthDataBreaksTheQeBinding) {
  const Bytes raw = GenuineQuote();
  for (size_t i = kQeAuthDataOffset; i < kPckCertDataOffset; ++i) {
    Bytes b = raw;
    b[i] ^= 0x01;
    ASSERT_TRUE(Has(Refusal(b), "QE report REPORTDATA")) << "byte " << i;
  }
}

std::vector<Bytes> ChainDer(const Bytes& quote) {
  auto chain = ReadPemChain(AsBytes(ChainPem(quote)));
  std::vector<Bytes> out;
  if (!chain.ok()) return out;
  for (int i = 0; i < sk_X509_num(chain->get()); ++i) {
    auto der = ossl::CertificateDer(sk_X509_value(chain->get(), i));
    out.push_back(der.ok() ? *der : Bytes());
  }
  return out;
}

std::string ToPem(const std::vector<Bytes>& ders) {
  std::string pem;
  for (const Bytes& der : ders) {
    const std::string b64 = Base64Encode(der);
    pem += "-----BEGIN CERTIFICATE-----\n";
    for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
    pem += "-----END CERTIFICATE-----\n";
  }
  return pem;
}

TEST(TdxVerify, TheChainRebuiltFromItsDerStillVerifies) {
  const Bytes raw = GenuineQuote();
  auto v = VerifyTdxQuote(WithChain(raw, ToPem(ChainDer(raw))), At(k2026));
  EXPECT_TRUE(v.ok()) << v.status().ToString();
}

TEST(TdxVerify, EveryFlippedByteOfEachCertificateIsRefused) {
  const Bytes raw = GenuineQuote();
  const std::vector<Bytes> ders = ChainDer(raw);
  ASSERT_EQ(ders.size(), 3u);
  TdxVerifyOptions o = At(k2026);
  for (size_t c = 0; c < ders.size(); ++c) {
    for (size_t i = c; i < ders[c].size(); i += 3) {
      std::vector<Bytes> flipped = ders;
      flipped[c][i] ^= 0x01;
      auto chain = ReadPemChain(AsBytes(ToPem(flipped)));
      if (!chain.ok() || sk_X509_num(chain->get()) != 3) continue;  // no longer a certificate: refused earlier
      Status s = VerifyPckChain(chain->get(), o);
      if (s.ok() && c == 0) {
        // A PCK byte outside what the chain check covers cannot exist: every byte is signed or is the signature.
        ADD_FAILURE() << "PCK byte " << i << " flipped and the chain still verifies";
      }
      ASSERT_FALSE(s.ok()) << "certificate " << c << " byte " << i;
    }
  }
}

// A self-signed "Intel SGX Root CA" made here: same subject, our own key.
std::pair<Bytes, ossl::PKey> ImpostorRoot(X509* genuine_root) {
  ossl::PKey key(EVP_PKEY_Q_keygen(ossl::LibCtx(), nullptr, "EC", "P-256"));
  ossl::X509Ptr cert(ossl::NewX509());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
  X509_set_subject_name(cert.get(), X509_get_subject_name(genuine_root));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(genuine_root));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400L * 365 * 10);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * 365 * 10);
  X509_set_pubkey(cert.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  ossl::X509Ext bc(X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, "critical,CA:TRUE"));
  ossl::X509Ext ku(X509V3_EXT_conf_nid(nullptr, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
  X509_add_ext(cert.get(), bc.get(), -1);
  X509_add_ext(cert.get(), ku.get(), -1);
  X509_sign(cert.get(), key.get(), EVP_sha256());  // test code: the default context is fine here
  auto der = ossl::CertificateDer(cert.get());
  return {der.ok() ? *der : Bytes(), std::move(key)};
}

TEST(TdxVerify, ARootThatOnlyNamesItselfIntelIsRefused) {
  const Bytes raw = GenuineQuote();
  std::vector<Bytes> ders = ChainDer(raw);
  ASSERT_EQ(ders.size(), 3u);
  auto genuine_root = ParseCertificate(ders[2]);
  ASSERT_TRUE(genuine_root.ok());
  auto [impostor, key] = ImpostorRoot(genuine_root->get());
  ders[2] = impostor;
  const Bytes forged = WithChain(raw, ToPem(ders));
  const std::string why = Refusal(forged);
  EXPECT_TRUE(Has(why, "not the pinned root 44a0196b")) << why;
  EXPECT_TRUE(Has(why, "'Intel SGX Root CA'")) << why;

  // Even pinned explicitly (and a proper CA), the impostor did not sign Intel's Platform CA: the store refuses.
  TdxVerifyOptions o = At(k2026);
  auto hash = [](const Bytes& der) {
    Bytes out(32);
    unsigned int n = 0;
    EVP_Digest(der.data(), der.size(), out.data(), &n, EVP_sha256(), nullptr);
    return out;
  };
  o.root_sha256 = hash(impostor);
  auto v = VerifyTdxQuote(forged, o);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(Has(v.status().message(), "signature on 'Intel SGX PCK Platform CA'")) << v.status().message();
}

TEST(TdxVerify, ATestPinRefusesIntelsRoot) {
  TdxVerifyOptions o = At(k2026);
  o.root_sha256 = Bytes(32, 0xAB);
  auto v = VerifyTdxQuote(GenuineQuote(), o);
  EXPECT_TRUE(Has(v.status().message(), "not the pinned root abab")) << v.status().message();
}

TEST(TdxVerify, AChainWithoutItsRootOrIntermediateIsRefused) {
  const Bytes raw = GenuineQuote();
  std::vector<Bytes> ders = ChainDer(raw);
  ASSERT_EQ(ders.size(), 3u);
  EXPECT_TRUE(Has(Refusal(WithChain(raw, ToPem({ders[0], ders[1]}))), "not the pinned root"));
  EXPECT_TRUE(Has(Refusal(WithChain(raw, ToPem({ders[0], ders[2]}))), "PCK chain refused"));
  EXPECT_TRUE(Has(Refusal(WithChain(raw, ToPem({ders[0]}))), "1 certificate(s)"));
  EXPECT_TRUE(Has(Refusal(WithChain(raw, "not pem")), "holds no PEM certificate"));
}

}  // namespace
}  // namespace cf::attest
