// EC and EdDSA families: generation per curve, CKM_ECDSA r||s length and OpenSSL verification of the DER form,
// hash-then-sign multi-part, Ed25519/Ed448 single-part sign/verify, parameter and curve errors.
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "common/ossl.h"
#include "mech_fixture.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/ecdsa_signature.h"

namespace cf::p11::testing {
namespace {

TEST(Ec, CkmEcdsaGivesFixedLengthRawSignatureThatOpenSslVerifies) {
  for (int bits : {256, 384, 521}) {
    const auto& key = EcKey(bits);
    size_t field = bits == 521 ? 66 : bits / 8;
    Bytes hash = Data(bits == 256 ? 32 : 48);
    for (int i = 0; i < 8; ++i) {  // several runs catch a missing left pad when r or s is short
      hash[0] = static_cast<uint8_t>(i);
      auto sig = RunOnce(OpKind::kSign, Mech(CKM_ECDSA), &key.private_key, hash);
      ASSERT_TRUE(sig.ok()) << sig.status().ToString();
      ASSERT_EQ(sig->size(), 2 * field) << bits;
      Bytes der = EcdsaRawToDer(*sig).value();
      ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.public_key.pkey.get(), nullptr));
      ASSERT_EQ(EVP_PKEY_verify_init(ctx.get()), 1);
      EXPECT_EQ(EVP_PKEY_verify(ctx.get(), der.data(), der.size(), hash.data(), hash.size()), 1) << bits;
      EXPECT_TRUE(Verify(Mech(CKM_ECDSA), &key.public_key, hash, *sig).ok());
    }
  }
}

TEST(Ec, EcdsaShaMultiPartVerifiesAndTamperingFails) {
  const auto& key = EcKey(256);
  for (CK_MECHANISM_TYPE t : {CKM_ECDSA_SHA1, CKM_ECDSA_SHA224, CKM_ECDSA_SHA256, CKM_ECDSA_SHA384, CKM_ECDSA_SHA512}) {
    Bytes msg = Data(2500);
    auto sig = RunParts(OpKind::kSign, Mech(t), &key.private_key, msg, 1000);
    ASSERT_TRUE(sig.ok()) << t;
    EXPECT_EQ(sig->size(), 64u);
    EXPECT_TRUE(Verify(Mech(t), &key.public_key, msg, *sig).ok()) << t;
    msg[7] ^= 1;
    EXPECT_EQ(RvOf(Verify(Mech(t), &key.public_key, msg, *sig)), CKR_SIGNATURE_INVALID) << t;
  }
  EXPECT_EQ(RvOf(Verify(Mech(CKM_ECDSA_SHA256), &key.public_key, Data(5), Data(63))), CKR_SIGNATURE_LEN_RANGE);
}

TEST(Ec, GenerationRejectsUnknownCurveAndMissingParams) {
  CK_MECHANISM m = Mech(CKM_EC_KEY_PAIR_GEN);
  auto gen = Row(m.mechanism).generate_key_pair;
  EXPECT_EQ(RvOf(gen(m, Template().Lookup(), Template().Lookup()).status()), CKR_TEMPLATE_INCOMPLETE);
  Template k1;  // secp256k1
  k1.Set(CKA_EC_PARAMS, Hex("06052b8104000a"));
  EXPECT_EQ(RvOf(gen(m, k1.Lookup(), Template().Lookup()).status()), CKR_CURVE_NOT_SUPPORTED);
}

TEST(Ec, EcdsaRejectsRsaKeyAndEmptyInput) {
  EXPECT_EQ(RvOf(Start(OpKind::kSign, Mech(CKM_ECDSA), &EdKey(false).private_key).status()), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(RvOf(RunOnce(OpKind::kSign, Mech(CKM_ECDSA), &EcKey(256).private_key, {}).status()), CKR_DATA_LEN_RANGE);
}

TEST(Eddsa, Ed25519AndEd448SignSinglePartAndVerify) {
  for (bool ed448 : {false, true}) {
    const auto& key = EdKey(ed448);
    Bytes msg = Data(3000);
    auto op = Start(OpKind::kSign, Mech(CKM_EDDSA), &key.private_key);
    ASSERT_TRUE(op.ok());
    EXPECT_FALSE((*op)->multi_part());
    auto sig = RunOnce(OpKind::kSign, Mech(CKM_EDDSA), &key.private_key, msg);
    ASSERT_TRUE(sig.ok()) << sig.status().ToString();
    EXPECT_EQ(sig->size(), ed448 ? 114u : 64u);
    ossl::MdCtx ctx(EVP_MD_CTX_new());
    ASSERT_EQ(EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.public_key.pkey.get()), 1);
    EXPECT_EQ(EVP_DigestVerify(ctx.get(), sig->data(), sig->size(), msg.data(), msg.size()), 1);
    EXPECT_TRUE(Verify(Mech(CKM_EDDSA), &key.public_key, msg, *sig).ok());
    (*sig)[3] ^= 1;
    EXPECT_EQ(RvOf(Verify(Mech(CKM_EDDSA), &key.public_key, msg, *sig)), CKR_SIGNATURE_INVALID);
  }
}

TEST(Eddsa, GenerationAcceptsPrintableCurveName) {
  Template pub;
  pub.Set(CKA_EC_PARAMS, Hex("130c656477617264733235353139"));
  CK_MECHANISM m = Mech(CKM_EC_EDWARDS_KEY_PAIR_GEN);
  auto pair = Row(m.mechanism).generate_key_pair(m, pub.Lookup(), Template().Lookup());
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(EVP_PKEY_is_a(pair->private_key.pkey.get(), "ED25519"));
}

TEST(Eddsa, RefusesPrehashAndContextButAcceptsPureParams) {
  const auto& key = EdKey(false);
  uint8_t ctx[] = {1, 2};
  CfEddsaParams ph{CK_TRUE, 0, nullptr};
  CfEddsaParams with_ctx{CK_FALSE, sizeof(ctx), ctx};
  CfEddsaParams pure{CK_FALSE, 0, nullptr};
  EXPECT_EQ(RvOf(Start(OpKind::kSign, Mech(CKM_EDDSA, &ph, sizeof(ph)), &key.private_key).status()),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(RvOf(Start(OpKind::kSign, Mech(CKM_EDDSA, &with_ctx, sizeof(with_ctx)), &key.private_key).status()),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_TRUE(Start(OpKind::kSign, Mech(CKM_EDDSA, &pure, sizeof(pure)), &key.private_key).ok());
}

}  // namespace
}  // namespace cf::p11::testing
