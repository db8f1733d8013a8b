// Signing and verification (PKCS#11 3.0 sections 5.13 and 5.15): a sign/verify round trip for every signature
// mechanism of issue 4 that the module lists, the output buffer protocol (section 5.2), operation state, key
// usage and key type checks, and the recover functions.
#include <cstdio>
#include <cstring>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class SignTest : public P11Test {
 protected:
  // Signs data single-part, checks the length query and a short buffer on the way, verifies, and checks that a
  // flipped signature byte fails verification. Returns the signature.
  Bytes SignVerify(CK_SESSION_HANDLE s, CK_MECHANISM mech, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub,
                   const Bytes& data) {
    EXPECT_EQ(f_->C_SignInit(s, &mech, priv), CKR_OK);
    CK_ULONG len = 0;
    EXPECT_EQ(f_->C_Sign(s, const_cast<CK_BYTE*>(data.data()), data.size(), nullptr, &len), CKR_OK);
    Bytes sig(len);
    EXPECT_EQ(f_->C_Sign(s, const_cast<CK_BYTE*>(data.data()), data.size(), sig.data(), &len), CKR_OK);
    sig.resize(len);
    EXPECT_EQ(f_->C_VerifyInit(s, &mech, pub), CKR_OK);
    EXPECT_EQ(f_->C_Verify(s, const_cast<CK_BYTE*>(data.data()), data.size(), sig.data(), sig.size()), CKR_OK);
    if (sig.empty()) return sig;
    Bytes bad = sig;
    bad[bad.size() / 2] ^= 0x01;
    EXPECT_EQ(f_->C_VerifyInit(s, &mech, pub), CKR_OK);
    EXPECT_EQ(f_->C_Verify(s, const_cast<CK_BYTE*>(data.data()), data.size(), bad.data(), bad.size()),
              CKR_SIGNATURE_INVALID);
    return sig;
  }
};

const Bytes kMessage(100, 0x5a);
const Bytes kHash32(32, 0x33);

TEST_P(SignTest, RsaMechanismsRoundTrip) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "rsa", &pub, &priv));
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  struct Case {
    CK_MECHANISM_TYPE type;
    const char* name;
    bool pss_params;
    const Bytes& data;
  };
  const Case cases[] = {{CKM_RSA_PKCS, "CKM_RSA_PKCS", false, kHash32},
                        {CKM_SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS", false, kMessage},
                        {CKM_SHA384_RSA_PKCS, "CKM_SHA384_RSA_PKCS", false, kMessage},
                        {CKM_SHA512_RSA_PKCS, "CKM_SHA512_RSA_PKCS", false, kMessage},
                        {CKM_RSA_PKCS_PSS, "CKM_RSA_PKCS_PSS", true, kHash32},
                        {CKM_SHA256_RSA_PKCS_PSS, "CKM_SHA256_RSA_PKCS_PSS", true, kMessage}};
  int ran = 0;
  for (const Case& c : cases) {
    if (!HasMechanism(c.type)) {
      std::printf("[ SKIPPED  ] %s: %s not listed\n", m_->name.c_str(), c.name);
      continue;
    }
    SCOPED_TRACE(c.name);
    CK_MECHANISM mech{c.type, c.pss_params ? &pss : nullptr, c.pss_params ? sizeof(pss) : 0};
    Bytes sig = SignVerify(s, mech, priv, pub, c.data);
    EXPECT_EQ(sig.size(), 256u);
    ++ran;
  }
  EXPECT_GT(ran, 0);
}

TEST_P(SignTest, EcdsaMechanismsRoundTripWithFixedLengthSignatures) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "ec", &pub, &priv));
  const std::pair<CK_MECHANISM_TYPE, const char*> cases[] = {{CKM_ECDSA, "CKM_ECDSA"},
                                                             {CKM_ECDSA_SHA256, "CKM_ECDSA_SHA256"},
                                                             {CKM_ECDSA_SHA384, "CKM_ECDSA_SHA384"},
                                                             {CKM_ECDSA_SHA512, "CKM_ECDSA_SHA512"}};
  for (const auto& [type, name] : cases) {
    if (!HasMechanism(type)) {
      std::printf("[ SKIPPED  ] %s: %s not listed\n", m_->name.c_str(), name);
      continue;
    }
    SCOPED_TRACE(name);
    Bytes sig = SignVerify(s, CK_MECHANISM{type, nullptr, 0}, priv, pub, type == CKM_ECDSA ? kHash32 : kMessage);
    // Section 2.3 of the current mechanisms: ECDSA signatures are r || s, each as long as the order (P-256: 32).
    EXPECT_EQ(sig.size(), 64u);
  }
}

TEST_P(SignTest, Ed25519RoundTrip) {
  CF_REQUIRE_MECHANISM(CKM_EC_EDWARDS_KEY_PAIR_GEN);
  CF_REQUIRE_MECHANISM(CKM_EDDSA);
  CK_SESSION_HANDLE s = UserSession();
  Bytes ed25519_oid = {0x06, 0x03, 0x2b, 0x65, 0x70};  // 1.3.101.112 (RFC 8410)
  CK_MECHANISM gen{CKM_EC_EDWARDS_KEY_PAIR_GEN, nullptr, 0};
  CK_ATTRIBUTE pub_t[] = {AttrBytes(CKA_EC_PARAMS, ed25519_oid), Attr(CKA_VERIFY, kTrue)};
  CK_ATTRIBUTE priv_t[] = {Attr(CKA_SIGN, kTrue)};
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_EQ(f_->C_GenerateKeyPair(s, &gen, pub_t, 2, priv_t, 1, &pub, &priv), CKR_OK);
  Bytes sig = SignVerify(s, CK_MECHANISM{CKM_EDDSA, nullptr, 0}, priv, pub, kMessage);
  EXPECT_EQ(sig.size(), 64u);
}

TEST_P(SignTest, HmacAndCmacRoundTrip) {
  CK_SESSION_HANDLE s = UserSession();
  int ran = 0;
  if (HasMechanism(CKM_GENERIC_SECRET_KEY_GEN) && HasMechanism(CKM_SHA256_HMAC)) {
    CK_ULONG len = 32;
    CK_ATTRIBUTE t[] = {Attr(CKA_VALUE_LEN, len), Attr(CKA_SIGN, kTrue), Attr(CKA_VERIFY, kTrue)};
    CK_MECHANISM gen{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
    CK_OBJECT_HANDLE key = 0;
    ASSERT_EQ(f_->C_GenerateKey(s, &gen, t, 3, &key), CKR_OK);
    SCOPED_TRACE("CKM_SHA256_HMAC");
    EXPECT_EQ(SignVerify(s, CK_MECHANISM{CKM_SHA256_HMAC, nullptr, 0}, key, key, kMessage).size(), 32u);
    ++ran;
  }
  if (HasMechanism(CKM_AES_CMAC)) {
    CK_OBJECT_HANDLE key = MakeAesKey(s, {Attr(CKA_SIGN, kTrue), Attr(CKA_VERIFY, kTrue)});
    SCOPED_TRACE("CKM_AES_CMAC");
    EXPECT_EQ(SignVerify(s, CK_MECHANISM{CKM_AES_CMAC, nullptr, 0}, key, key, kMessage).size(), 16u);
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << m_->name << " lists neither CKM_SHA256_HMAC nor CKM_AES_CMAC";
}

TEST_P(SignTest, ShortBufferKeepsTheOperationThenSucceeds) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "ec", &pub, &priv));
  CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
  ASSERT_EQ(f_->C_SignInit(s, &mech, priv), CKR_OK);
  CK_BYTE sig[64];
  CK_ULONG len = 10;
  // Section 5.2: a short buffer is CKR_BUFFER_TOO_SMALL with the needed length, and the operation stays active.
  EXPECT_EQ(f_->C_Sign(s, const_cast<CK_BYTE*>(kHash32.data()), 32, sig, &len), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 64u);
  len = sizeof(sig);
  ASSERT_EQ(f_->C_Sign(s, const_cast<CK_BYTE*>(kHash32.data()), 32, sig, &len), CKR_OK);
  EXPECT_EQ(len, 64u);
  // A successful C_Sign ends the operation.
  EXPECT_EQ(f_->C_Sign(s, const_cast<CK_BYTE*>(kHash32.data()), 32, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_P(SignTest, OperationStateRules) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "ec", &pub, &priv));
  CK_BYTE sig[64];
  CK_ULONG len = sizeof(sig);
  EXPECT_EQ(f_->C_Sign(s, const_cast<CK_BYTE*>(kHash32.data()), 32, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_SignUpdate(s, const_cast<CK_BYTE*>(kHash32.data()), 32), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_SignFinal(s, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_Verify(s, const_cast<CK_BYTE*>(kHash32.data()), 32, sig, 64), CKR_OPERATION_NOT_INITIALIZED);
  CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
  ASSERT_EQ(f_->C_SignInit(s, &mech, priv), CKR_OK);
  EXPECT_EQ(f_->C_SignInit(s, &mech, priv), CKR_OPERATION_ACTIVE);
  ASSERT_EQ(f_->C_Sign(s, const_cast<CK_BYTE*>(kHash32.data()), 32, sig, &len), CKR_OK);
  ASSERT_EQ(f_->C_VerifyInit(s, &mech, pub), CKR_OK);
  EXPECT_EQ(f_->C_VerifyInit(s, &mech, pub), CKR_OPERATION_ACTIVE);
}

TEST_P(SignTest, MultiPartEqualsSinglePart) {
  CF_REQUIRE_MECHANISM(CKM_SHA256_RSA_PKCS);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "rsa", &pub, &priv));
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  Bytes one = SignVerify(s, mech, priv, pub, kMessage);
  ASSERT_EQ(f_->C_SignInit(s, &mech, priv), CKR_OK);
  ASSERT_EQ(f_->C_SignUpdate(s, const_cast<CK_BYTE*>(kMessage.data()), 40), CKR_OK);
  ASSERT_EQ(f_->C_SignUpdate(s, const_cast<CK_BYTE*>(kMessage.data()) + 40, 60), CKR_OK);
  CK_ULONG len = 0;
  ASSERT_EQ(f_->C_SignFinal(s, nullptr, &len), CKR_OK);
  Bytes parts(len);
  ASSERT_EQ(f_->C_SignFinal(s, parts.data(), &len), CKR_OK);
  parts.resize(len);
  EXPECT_EQ(parts, one);  // PKCS#1 v1.5 is deterministic
  ASSERT_EQ(f_->C_VerifyInit(s, &mech, pub), CKR_OK);
  ASSERT_EQ(f_->C_VerifyUpdate(s, const_cast<CK_BYTE*>(kMessage.data()), 100), CKR_OK);
  EXPECT_EQ(f_->C_VerifyFinal(s, parts.data(), parts.size()), CKR_OK);
}

TEST_P(SignTest, SignInitChecksMechanismKeyAndUsage) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE rsa_pub = 0, rsa_priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "rsa", &rsa_pub, &rsa_priv));
  CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
  EXPECT_EQ(f_->C_SignInit(s, nullptr, rsa_priv), CKR_ARGUMENTS_BAD);
  CK_MECHANISM unknown{CKM_VENDOR_DEFINED | 0x5eed, nullptr, 0};
  EXPECT_EQ(f_->C_SignInit(s, &unknown, rsa_priv), CKR_MECHANISM_INVALID);
  ExpectRv(f_->C_SignInit(s, &ecdsa, 0x7ffd0003), CKR_KEY_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID,
           "C_SignInit with an unknown key handle says object, not key, handle invalid");
  CK_BYTE junk[3] = {1, 2, 3};
  CK_MECHANISM bad_pss{CKM_RSA_PKCS_PSS, junk, sizeof(junk)};
  if (HasMechanism(CKM_RSA_PKCS_PSS)) {
    ExpectRv(f_->C_SignInit(s, &bad_pss, rsa_priv), CKR_MECHANISM_PARAM_INVALID, CKR_ARGUMENTS_BAD,
             "a 3-byte CK_RSA_PKCS_PSS_PARAMS is CKR_ARGUMENTS_BAD");
  }
  // Section 4.9 (CKA_SIGN): a key whose CKA_SIGN is FALSE may not sign.
  Bytes p256 = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  CK_MECHANISM gen{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_ATTRIBUTE pub_t[] = {AttrBytes(CKA_EC_PARAMS, p256)};
  CK_ATTRIBUTE priv_t[] = {Attr(CKA_SIGN, kFalse)};
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_EQ(f_->C_GenerateKeyPair(s, &gen, pub_t, 1, priv_t, 1, &pub, &priv), CKR_OK);
  EXPECT_EQ(f_->C_SignInit(s, &ecdsa, priv), CKR_KEY_FUNCTION_NOT_PERMITTED);
  // Last, because SoftHSM accepts it and then has an operation active.
  ExpectRv(f_->C_SignInit(s, &ecdsa, rsa_priv), CKR_KEY_TYPE_INCONSISTENT, CKR_OK,
           "C_SignInit(CKM_ECDSA) with an RSA key succeeds");
}

TEST_P(SignTest, SignRecoverIsRefusedForMechanismsWithoutRecovery) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "ec", &pub, &priv));
  CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
  // ECDSA has no recovery form (current mechanisms, table of EC mechanisms): refused either way.
  CK_RV rv = f_->C_SignRecoverInit(s, &ecdsa, priv);
  EXPECT_TRUE(rv == CKR_MECHANISM_INVALID || rv == CKR_FUNCTION_NOT_SUPPORTED) << "got 0x" << std::hex << rv;
  rv = f_->C_VerifyRecoverInit(s, &ecdsa, pub);
  EXPECT_TRUE(rv == CKR_MECHANISM_INVALID || rv == CKR_FUNCTION_NOT_SUPPORTED) << "got 0x" << std::hex << rv;
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(SignTest);

}  // namespace cf::conformance
