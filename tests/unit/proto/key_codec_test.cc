// Tests of proto/key_codec: key_message <-> EVP_PKEY both ways for RSA and P-256/P-384, the framework's field
// conventions (curve parameters filled, unpadded numbers), symmetric generation sizes, validity times, and refusals.
#include "proto/key_codec.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include <algorithm>

#include "common/bytes.h"
#include "common/time_text.h"

namespace cf::keys {
namespace {

// Signs with the private message's key and verifies with the public message's key: both halves are one key pair.
bool SignVerifyAcross(const wire::key_message& priv, const wire::key_message& pub) {
  auto sk = PKeyFromKeyMessage(priv);
  auto pk = PKeyFromKeyMessage(pub);
  if (!sk.ok() || !pk.ok()) return false;
  const std::string msg = "attest me";
  ossl::MdCtx sctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (EVP_DigestSignInit(sctx.get(), nullptr, EVP_sha256(), nullptr, sk->get()) != 1 ||
      EVP_DigestSign(sctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1)
    return false;
  Bytes sig(len);
  if (EVP_DigestSign(sctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1)
    return false;
  sig.resize(len);
  ossl::MdCtx vctx(EVP_MD_CTX_new());
  return EVP_DigestVerifyInit(vctx.get(), nullptr, EVP_sha256(), nullptr, pk->get()) == 1 &&
         EVP_DigestVerify(vctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(msg.data()),
                          msg.size()) == 1;
}

class AsymmetricRoundTrip : public ::testing::TestWithParam<std::tuple<const char*, const char*, int>> {};

TEST_P(AsymmetricRoundTrip, GeneratesConvertsAndSignsAcrossHalves) {
  auto [algorithm, type_prefix, bits] = GetParam();
  auto key = GenerateKeyMessage(algorithm, "k1");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->key_type(), std::string(type_prefix) + "-private");
  EXPECT_EQ(key->key_format(), "vse-key");
  EXPECT_EQ(key->key_name(), "k1");
  EXPECT_TRUE(IsPrivateKeyType(key->key_type()));

  auto pub = PublicKeyMessage(*key);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->key_type(), std::string(type_prefix) + "-public");
  EXPECT_FALSE(IsPrivateKeyType(pub->key_type()));
  EXPECT_TRUE(pub->rsa_key().private_exponent().empty());
  EXPECT_TRUE(pub->ecc_key().private_multiplier().empty());
  EXPECT_EQ(pub->not_after(), key->not_after());
  EXPECT_TRUE(SignVerifyAcross(*key, *pub));

  // EVP_PKEY -> key_message -> EVP_PKEY -> key_message is stable byte for byte.
  auto pkey = PKeyFromKeyMessage(*key);
  ASSERT_TRUE(pkey.ok()) << pkey.status().ToString();
  EXPECT_EQ(EVP_PKEY_get_bits(pkey->get()), bits);
  auto again = KeyMessageFromPKey(pkey->get(), true, "k1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rsa_key().SerializeAsString(), key->rsa_key().SerializeAsString());
  EXPECT_EQ(again->ecc_key().SerializeAsString(), key->ecc_key().SerializeAsString());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, AsymmetricRoundTrip,
                         ::testing::Values(std::make_tuple("rsa-2048", "rsa-2048", 2048),
                                           std::make_tuple("rsa_3072", "rsa-3072", 3072),
                                           std::make_tuple("RSA-4096", "rsa-4096", 4096),
                                           std::make_tuple("ecc-256", "ecc-256", 256),
                                           std::make_tuple("ecc_p384", "ecc-384", 384)),
                         [](const auto& info) {
                           std::string name = std::get<1>(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(KeyCodec, FillsP256CurveParametersAsTheFramework) {
  auto key = GenerateKeyMessage("ecc-256", "e");
  ASSERT_TRUE(key.ok());
  const auto& ecc = key->ecc_key();
  EXPECT_EQ(ecc.curve_name(), "P-256");
  EXPECT_EQ(HexEncode(AsBytes(ecc.curve_p())), "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  EXPECT_EQ(HexEncode(AsBytes(ecc.curve_a())), "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc");
  EXPECT_EQ(HexEncode(AsBytes(ecc.base_point().x())),
            "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
  EXPECT_EQ(HexEncode(AsBytes(ecc.order_of_base_point())),
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  EXPECT_FALSE(ecc.curve_b().empty());
  EXPECT_FALSE(ecc.private_multiplier().empty());
  auto p384 = GenerateKeyMessage("ecc-384", "e");
  ASSERT_TRUE(p384.ok());
  EXPECT_EQ(p384->ecc_key().curve_name(), "P-384");
  EXPECT_EQ(p384->ecc_key().curve_p().size(), 48u);
}

TEST(KeyCodec, ReadsGoStylePaddedCoordinates) {
  auto key = *GenerateKeyMessage("ecc-256", "e");
  auto pub = *PublicKeyMessage(key);
  // Go pads to bits/8 + 1 bytes with FillBytes.
  auto* pt = pub.mutable_ecc_key()->mutable_public_point();
  pt->set_x(std::string(33 - pt->x().size(), '\0') + pt->x());
  pt->set_y(std::string(33 - pt->y().size(), '\0') + pt->y());
  EXPECT_TRUE(SignVerifyAcross(key, pub));
}

TEST(KeyCodec, DerivesEccPublicPointFromPrivateMultiplierAlone) {
  auto key = *GenerateKeyMessage("ecc-384", "e");
  auto bare = key;
  bare.mutable_ecc_key()->clear_public_point();
  auto pub = PublicKeyMessage(bare);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->ecc_key().public_point().SerializeAsString(), key.ecc_key().public_point().SerializeAsString());
}

TEST(KeyCodec, ComputesRsaCrtWhenOnlyPrimesGiven) {
  auto key = *GenerateKeyMessage("rsa-2048", "r");
  auto trimmed = key;
  trimmed.mutable_rsa_key()->clear_private_dp();
  trimmed.mutable_rsa_key()->clear_private_dq();
  trimmed.mutable_rsa_key()->clear_private_iqmp();
  auto pkey = PKeyFromKeyMessage(trimmed);
  ASSERT_TRUE(pkey.ok()) << pkey.status().ToString();
  auto back = *KeyMessageFromPKey(pkey->get(), true, "r");
  EXPECT_EQ(back.rsa_key().private_iqmp(), key.rsa_key().private_iqmp());
}

TEST(KeyCodec, AcceptsFrameworkBareAlgorithmKeyType) {
  // cf_generate_public_key writes key_type "rsa-2048" (no -private suffix); such stores must still load.
  auto key = *GenerateKeyMessage("rsa-2048", "r");
  key.set_key_type("rsa-2048");
  EXPECT_TRUE(PKeyFromKeyMessage(key).ok());
}

TEST(KeyCodec, GeneratesSymmetricKeysOfTheFrameworkSizes) {
  const std::pair<const char*, size_t> cases[] = {
      {"aes-256-gcm", 32}, {"aes-256-cbc-hmac-sha256", 64}, {"aes_256_cbc_hmac_sha384", 80}, {"aes-256", 32}};
  for (auto [name, size] : cases) {
    EXPECT_TRUE(IsSymmetricAlgorithm(name)) << name;
    auto a = GenerateKeyMessage(name, "s");
    auto b = GenerateKeyMessage(name, "s");
    ASSERT_TRUE(a.ok() && b.ok()) << name;
    EXPECT_EQ(a->secret_key_bits().size(), size) << name;
    EXPECT_NE(a->secret_key_bits(), b->secret_key_bits()) << name;
    EXPECT_FALSE(a->has_rsa_key() || a->has_ecc_key());
    EXPECT_EQ(a->key_format(), "vse-key");
  }
  EXPECT_EQ(GenerateKeyMessage("AES_256_GCM", "s")->key_type(), "aes-256-gcm");
  EXPECT_FALSE(IsSymmetricAlgorithm("rsa-2048"));
  EXPECT_FALSE(IsSymmetricAlgorithm("aes-128-gcm"));
}

TEST(KeyCodec, SetsRfc3339ValidityWindow) {
  auto key = GenerateKeyMessage("aes-256-gcm", "s", 3600);
  ASSERT_TRUE(key.ok());
  auto nb = ParseTime(key->not_before());
  auto na = ParseTime(key->not_after());
  ASSERT_TRUE(nb.ok() && na.ok());
  EXPECT_EQ(*na - *nb, 3600);
  EXPECT_LE(std::abs(*nb - NowSeconds()), 5);
  EXPECT_EQ(key->not_before().back(), 'Z');
  EXPECT_EQ(key->not_before().size(), 20u);  // YYYY-MM-DDTHH:MM:SSZ
  EXPECT_EQ(GenerateKeyMessage("aes-256", "s", 0).status().code(), Code::kInvalidArgument);
}

TEST(KeyCodec, RejectsUnknownAlgorithmsNamingTheSupportedOnes) {
  for (const char* bad : {"rsa-1024", "rsa-1000", "ecc-521", "des", "", "rsa-99999999", "ecc-p"}) {
    auto r = GenerateKeyMessage(bad, "x");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("rsa-2048"), std::string::npos);
  }
}

TEST(KeyCodec, RejectsRsaMessageWithWrongPrimes) {
  auto key = *GenerateKeyMessage("rsa-2048", "r");
  auto other = *GenerateKeyMessage("rsa-2048", "r");
  key.mutable_rsa_key()->set_private_p(other.rsa_key().private_p());
  auto r = PKeyFromKeyMessage(key);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("private_p * private_q"), std::string::npos);
}

TEST(KeyCodec, RejectsTypeSizeMismatchAndMissingParts) {
  auto rsa = *GenerateKeyMessage("rsa-2048", "r");
  auto wrong = rsa;
  wrong.set_key_type("rsa-3072-private");
  EXPECT_EQ(PKeyFromKeyMessage(wrong).status().code(), Code::kInvalidArgument);
  auto empty = rsa;
  empty.mutable_rsa_key()->clear_public_modulus();
  EXPECT_NE(PKeyFromKeyMessage(empty).status().message().find("public_modulus"), std::string::npos);
  auto no_sub = rsa;
  no_sub.clear_rsa_key();
  EXPECT_FALSE(PKeyFromKeyMessage(no_sub).ok());
  auto sym = *GenerateKeyMessage("aes-256-gcm", "s");
  EXPECT_FALSE(PKeyFromKeyMessage(sym).ok());
  EXPECT_FALSE(PublicKeyMessage(sym).ok());

  auto ec = *GenerateKeyMessage("ecc-256", "e");
  auto curve = ec;
  curve.set_key_type("ecc-384-private");
  EXPECT_FALSE(PKeyFromKeyMessage(curve).ok());
  auto unknown = ec;
  unknown.mutable_ecc_key()->set_curve_name("P-521");
  EXPECT_FALSE(PKeyFromKeyMessage(unknown).ok());
  auto params = ec;
  params.mutable_ecc_key()->set_curve_b("\x01");
  EXPECT_NE(PKeyFromKeyMessage(params).status().message().find("curve parameters"), std::string::npos);
}

TEST(KeyCodec, RejectsEccPointOffTheCurve) {
  auto pub = *PublicKeyMessage(*GenerateKeyMessage("ecc-256", "e"));
  std::string y = pub.ecc_key().public_point().y();
  y.back() ^= 1;
  pub.mutable_ecc_key()->mutable_public_point()->set_y(y);
  auto r = PKeyFromKeyMessage(pub);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(KeyCodec, RefusesPrivateFieldsOfAPublicKey) {
  auto pub = *PublicKeyMessage(*GenerateKeyMessage("ecc-256", "e"));
  ossl::PKey pkey = std::move(PKeyFromKeyMessage(pub).value());
  auto r = KeyMessageFromPKey(pkey.get(), true, "e");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(KeyMessageFromPKey(pkey.get(), false, "e").ok());
}

TEST(KeyCodec, ReportsUnsupportedKeyKindsAsUnimplemented) {
  ossl::PKey ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  EXPECT_EQ(KeyMessageFromPKey(ed.get(), false, "x").status().code(), Code::kUnimplemented);
  ossl::PKey p521(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp521r1"));
  EXPECT_EQ(KeyMessageFromPKey(p521.get(), false, "x").status().code(), Code::kUnimplemented);
}

}  // namespace
}  // namespace cf::keys
