// The attacks of issue 11 (security review), each performed through the C ABI and expected to be refused: uses of
// a CKA_ALWAYS_AUTHENTICATE key without a context login (item 3), usage widened on a copy or by a later change
// (item 7), CKM_RSA_PKCS decryption as a padding oracle (item 9), private made public, digested secrets, session
// objects outliving logout, private objects made by the SO (item 10), and GCM/CTR/OAEP/PSS/ECDH parameters that
// reached CKR_GENERAL_ERROR (item 11).
#include "p11_fixture.h"

namespace cf::p11::test {
namespace {

class ExfiltrationTest : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    s_ = OpenUser();
  }
  CK_RV GenerateRsa(std::vector<Attr> pub_extra, std::vector<Attr> priv_extra, CK_OBJECT_HANDLE* pub,
                    CK_OBJECT_HANDLE* priv) {
    std::vector<Attr> pt = {Ulong(CKA_MODULUS_BITS, 2048)};
    pt.insert(pt.end(), pub_extra.begin(), pub_extra.end());
    auto pv = View(pt);
    auto qv = View(priv_extra);
    CK_MECHANISM m{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    return f_->C_GenerateKeyPair(s_, &m, pv.data(), pv.size(), qv.empty() ? nullptr : qv.data(), qv.size(), pub, priv);
  }
  CK_RV Copy(CK_OBJECT_HANDLE h, std::vector<Attr> t, CK_OBJECT_HANDLE* out) {
    auto v = View(t);
    return f_->C_CopyObject(s_, h, v.data(), v.size(), out);
  }
  std::vector<unsigned char> WrapWith(CK_MECHANISM* m, CK_OBJECT_HANDLE wrapper, CK_OBJECT_HANDLE key) {
    std::vector<unsigned char> out(512);
    CK_ULONG len = out.size();
    EXPECT_EQ(f_->C_WrapKey(s_, m, wrapper, key, out.data(), &len), CKR_OK);
    out.resize(len);
    return out;
  }
  CK_RV UnwrapAes(CK_MECHANISM* m, CK_OBJECT_HANDLE unwrapper, std::vector<unsigned char>& wrapped,
                  CK_OBJECT_HANDLE* out) {
    std::vector<Attr> t = {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_AES)};
    auto v = View(t);
    return f_->C_UnwrapKey(s_, m, unwrapper, wrapped.data(), wrapped.size(), v.data(), v.size(), out);
  }
  CK_RV EncryptInit(CK_MECHANISM m, CK_OBJECT_HANDLE key) {
    CK_RV rv = f_->C_EncryptInit(s_, &m, key);
    if (rv == CKR_OK) {  // end it so the next init starts clean
      unsigned char in[16] = {0}, out[512];
      CK_ULONG len = sizeof(out);
      EXPECT_EQ(f_->C_Encrypt(s_, in, sizeof(in), out, &len), CKR_OK);
    }
    return rv;
  }
  bool Alive(CK_OBJECT_HANDLE h) {
    CK_OBJECT_CLASS c;
    CK_ATTRIBUTE a{CKA_CLASS, &c, sizeof(c)};
    return f_->C_GetAttributeValue(s_, h, &a, 1) == CKR_OK;
  }

  CK_SESSION_HANDLE s_ = CK_INVALID_HANDLE;
  CK_RSA_PKCS_OAEP_PARAMS oaep_{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
};

// ---- Item 3: CKA_ALWAYS_AUTHENTICATE covers unwrap and derive, not only sign and decrypt.

TEST_F(ExfiltrationTest, UnwrapWithAlwaysAuthenticateKeyNeedsContextLogin) {
  CK_OBJECT_HANDLE pub, priv, target, unwrapped;
  ASSERT_EQ(
      GenerateRsa({Bool(CKA_WRAP, true)}, {Bool(CKA_UNWRAP, true), Bool(CKA_ALWAYS_AUTHENTICATE, true)}, &pub, &priv),
      CKR_OK);
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_EXTRACTABLE, true)}, &target), CKR_OK);
  CK_MECHANISM m{CKM_RSA_PKCS_OAEP, &oaep_, sizeof(oaep_)};
  std::vector<unsigned char> wrapped = WrapWith(&m, pub, target);
  EXPECT_EQ(UnwrapAes(&m, priv, wrapped, &unwrapped), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(UnwrapAes(&m, priv, wrapped, &unwrapped), CKR_USER_NOT_LOGGED_IN);  // asking again is no login
  ASSERT_EQ(f_->C_Login(s_, CKU_CONTEXT_SPECIFIC, Pin(kUserPin), 4), CKR_OK);
  EXPECT_EQ(UnwrapAes(&m, priv, wrapped, &unwrapped), CKR_OK);
  // One login, one use.
  EXPECT_EQ(UnwrapAes(&m, priv, wrapped, &unwrapped), CKR_USER_NOT_LOGGED_IN);
  // An operation in between closes an open gate: the login must come right before the use.
  ASSERT_EQ(f_->C_Login(s_, CKU_CONTEXT_SPECIFIC, Pin(kUserPin), 4), CKR_OK);
  CK_BYTE iv[16] = {0};
  ASSERT_EQ(EncryptInit({CKM_AES_CBC_PAD, iv, sizeof(iv)}, target), CKR_OK);
  EXPECT_EQ(UnwrapAes(&m, priv, wrapped, &unwrapped), CKR_USER_NOT_LOGGED_IN);
}

TEST_F(ExfiltrationTest, DeriveWithAlwaysAuthenticateKeyNeedsContextLogin) {
  CK_OBJECT_HANDLE pub, priv, peer_pub, peer_priv, derived;
  ASSERT_EQ(GenerateEc(s_, {}, {Bool(CKA_DERIVE, true), Bool(CKA_ALWAYS_AUTHENTICATE, true)}, &pub, &priv), CKR_OK);
  ASSERT_EQ(GenerateEc(s_, {}, {Bool(CKA_DERIVE, true)}, &peer_pub, &peer_priv), CKR_OK);
  std::vector<unsigned char> point;
  ASSERT_EQ(GetAttr(s_, peer_pub, CKA_EC_POINT, &point), CKR_OK);
  CK_ECDH1_DERIVE_PARAMS p{CKD_NULL, 0, nullptr, static_cast<CK_ULONG>(point.size()), point.data()};
  CK_MECHANISM m{CKM_ECDH1_DERIVE, &p, sizeof(p)};
  std::vector<Attr> t = {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET),
                         Ulong(CKA_VALUE_LEN, 32)};
  auto v = View(t);
  EXPECT_EQ(f_->C_DeriveKey(s_, &m, priv, v.data(), v.size(), &derived), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(f_->C_Login(s_, CKU_CONTEXT_SPECIFIC, Pin("0000"), 4), CKR_PIN_INCORRECT);
  ASSERT_EQ(f_->C_Login(s_, CKU_CONTEXT_SPECIFIC, Pin(kUserPin), 4), CKR_OK);
  EXPECT_EQ(f_->C_DeriveKey(s_, &m, priv, v.data(), v.size(), &derived), CKR_OK);
  EXPECT_EQ(f_->C_DeriveKey(s_, &m, priv, v.data(), v.size(), &derived), CKR_USER_NOT_LOGGED_IN);
  // A key without the attribute derives with no extra login.
  EXPECT_EQ(f_->C_DeriveKey(s_, &m, peer_priv, v.data(), v.size(), &derived), CKR_OK);
}

// ---- Item 7: uses only narrow after creation, so separation of roles holds per key value.

TEST_F(ExfiltrationTest, CopyCannotGiveADecryptingKeyAWrappingTwin) {
  CK_OBJECT_HANDLE key, twin;
  ASSERT_EQ(GenerateAes(s_, {}, &key), CKR_OK);  // encrypt/decrypt by default, not wrap
  ASSERT_TRUE(GetBool(s_, key, CKA_DECRYPT));
  EXPECT_EQ(Copy(key, {Bool(CKA_DECRYPT, false), Bool(CKA_WRAP, true)}, &twin), CKR_ATTRIBUTE_READ_ONLY);
  // Nor in two steps on the object itself.
  ASSERT_EQ(Copy(key, {}, &twin), CKR_OK);
  ASSERT_EQ(SetAttr(s_, twin, Bool(CKA_DECRYPT, false)), CKR_OK);  // turning a use off stays allowed
  EXPECT_EQ(SetAttr(s_, twin, Bool(CKA_WRAP, true)), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_FALSE(GetBool(s_, twin, CKA_WRAP));
}

TEST_F(ExfiltrationTest, CopyCannotTurnAnEncryptOnlyKeyIntoAnUnwrapKey) {
  CK_OBJECT_HANDLE key, twin;
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_DECRYPT, false), Bool(CKA_SIGN, false), Bool(CKA_VERIFY, false)}, &key), CKR_OK);
  EXPECT_EQ(Copy(key, {Bool(CKA_ENCRYPT, false), Bool(CKA_UNWRAP, true)}, &twin), CKR_ATTRIBUTE_READ_ONLY);
  for (CK_ATTRIBUTE_TYPE use : {CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_DERIVE, CKA_WRAP})
    EXPECT_EQ(Copy(key, {Bool(use, true)}, &twin), CKR_ATTRIBUTE_READ_ONLY) << "attribute 0x" << std::hex << use;
  ASSERT_EQ(Copy(key, {Bool(CKA_ENCRYPT, false)}, &twin), CKR_OK);  // a narrower copy is fine
  EXPECT_FALSE(GetBool(s_, twin, CKA_ENCRYPT));
}

// ---- Item 9: CKM_RSA_PKCS decryption is a Bleichenbacher oracle, off unless the configuration allows it.

TEST_F(ExfiltrationTest, RsaPkcs1v15DecryptAndUnwrapAreOffByDefault) {
  CK_MECHANISM_INFO info;
  ASSERT_EQ(f_->C_GetMechanismInfo(slot_, CKM_RSA_PKCS, &info), CKR_OK);
  EXPECT_FALSE(info.flags & CKF_DECRYPT);
  EXPECT_FALSE(info.flags & CKF_UNWRAP);
  EXPECT_TRUE(info.flags & CKF_ENCRYPT);
  EXPECT_TRUE(info.flags & CKF_SIGN);
  CK_OBJECT_HANDLE pub, priv, target, unwrapped;
  ASSERT_EQ(GenerateRsa({Bool(CKA_WRAP, true), Bool(CKA_ENCRYPT, true)},
                        {Bool(CKA_UNWRAP, true), Bool(CKA_DECRYPT, true)}, &pub, &priv),
            CKR_OK);
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(f_->C_DecryptInit(s_, &m, priv), CKR_MECHANISM_INVALID);
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_EXTRACTABLE, true)}, &target), CKR_OK);
  std::vector<unsigned char> wrapped = WrapWith(&m, pub, target);  // wrapping stays (public-key operation)
  EXPECT_EQ(UnwrapAes(&m, priv, wrapped, &unwrapped), CKR_MECHANISM_INVALID);
  EXPECT_EQ(EncryptInit(m, pub), CKR_OK);
}

TEST_F(ExfiltrationTest, RsaPkcs1v15DecryptComesBackWhenConfigured) {
  f_->C_Finalize(nullptr);
  config_.insert(config_.rfind('}'), " allow_rsa_pkcs1_v15_decrypt: true ");
  ASSERT_EQ(Initialize(), CKR_OK);
  s_ = OpenUser();
  CK_MECHANISM_INFO info;
  ASSERT_EQ(f_->C_GetMechanismInfo(slot_, CKM_RSA_PKCS, &info), CKR_OK);
  EXPECT_TRUE(info.flags & CKF_DECRYPT);
  EXPECT_TRUE(info.flags & CKF_UNWRAP);
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(GenerateRsa({}, {}, &pub, &priv), CKR_OK);
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  unsigned char plain[20] = {'p', 'm', 's'}, cipher[256], back[256];
  CK_ULONG clen = sizeof(cipher), blen = sizeof(back);
  ASSERT_EQ(f_->C_EncryptInit(s_, &m, pub), CKR_OK);
  ASSERT_EQ(f_->C_Encrypt(s_, plain, sizeof(plain), cipher, &clen), CKR_OK);
  ASSERT_EQ(f_->C_DecryptInit(s_, &m, priv), CKR_OK);
  ASSERT_EQ(f_->C_Decrypt(s_, cipher, clen, back, &blen), CKR_OK);
  EXPECT_EQ(std::vector<unsigned char>(back, back + blen), std::vector<unsigned char>(plain, plain + sizeof(plain)));
}

// ---- Item 10.

TEST_F(ExfiltrationTest, CopyCannotMakeAPrivateKeyPublic) {
  CK_OBJECT_HANDLE secret, pub, priv, copy;
  ASSERT_EQ(GenerateAes(s_, {}, &secret), CKR_OK);
  ASSERT_EQ(GenerateEc(s_, {}, {}, &pub, &priv), CKR_OK);
  size_t before = Find(s_, {}).size();
  EXPECT_EQ(Copy(secret, {Bool(CKA_PRIVATE, false)}, &copy), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(Copy(priv, {Bool(CKA_PRIVATE, false)}, &copy), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(SetAttr(s_, secret, Bool(CKA_PRIVATE, false)), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(Find(s_, {}).size(), before);  // nothing half-made
  EXPECT_TRUE(Find(s_, {Ulong(CKA_CLASS, CKO_SECRET_KEY), Bool(CKA_PRIVATE, false)}).empty());
  EXPECT_TRUE(Find(s_, {Ulong(CKA_CLASS, CKO_PRIVATE_KEY), Bool(CKA_PRIVATE, false)}).empty());
}

TEST_F(ExfiltrationTest, DigestKeyRefusesSensitiveOrUnextractableKeys) {
  CK_OBJECT_HANDLE sensitive, unextractable, readable;
  ASSERT_EQ(GenerateAes(s_, {}, &sensitive), CKR_OK);
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_SENSITIVE, false)}, &unextractable), CKR_OK);
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_SENSITIVE, false), Bool(CKA_EXTRACTABLE, true)}, &readable), CKR_OK);
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  ASSERT_EQ(f_->C_DigestInit(s_, &sha), CKR_OK);
  EXPECT_EQ(f_->C_DigestKey(s_, sensitive), CKR_KEY_INDIGESTIBLE);
  EXPECT_EQ(f_->C_DigestKey(s_, unextractable), CKR_KEY_INDIGESTIBLE);
  EXPECT_EQ(f_->C_DigestKey(s_, readable), CKR_OK);
  unsigned char out[32];
  CK_ULONG len = sizeof(out);
  EXPECT_EQ(f_->C_DigestFinal(s_, out, &len), CKR_OK);
}

TEST_F(ExfiltrationTest, LogoutDestroysPrivateSessionObjects) {
  CK_SESSION_HANDLE other = OpenRw();
  CK_OBJECT_HANDLE mine, theirs, pub_data;
  ASSERT_EQ(GenerateAes(s_, {}, &mine), CKR_OK);  // session objects (CKA_TOKEN false), private by default
  ASSERT_EQ(GenerateAes(other, {}, &theirs), CKR_OK);
  ASSERT_EQ(Create(s_, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_PRIVATE, false), Str(CKA_VALUE, "x")}, &pub_data), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s_), CKR_OK);
  CK_RV rv = f_->C_Login(s_, CKU_USER, Pin(kUserPin), 4);
  ASSERT_EQ(rv, CKR_OK);
  EXPECT_FALSE(Alive(mine));
  EXPECT_FALSE(Alive(theirs));  // every session of the application
  EXPECT_TRUE(Alive(pub_data));
  CK_BYTE iv[16] = {0};
  CK_MECHANISM m{CKM_AES_CBC_PAD, iv, sizeof(iv)};
  EXPECT_EQ(f_->C_EncryptInit(s_, &m, mine), CKR_KEY_HANDLE_INVALID);
}

TEST_F(ExfiltrationTest, SecurityOfficerCannotCreatePrivateObjects) {
  ASSERT_EQ(f_->C_Logout(s_), CKR_OK);
  ASSERT_EQ(f_->C_Login(s_, CKU_SO, Pin(kSoPin), 8), CKR_OK);
  CK_OBJECT_HANDLE h;
  EXPECT_EQ(Create(s_, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_PRIVATE, true), Str(CKA_VALUE, "planted")}, &h),
            CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(GenerateAes(s_, {}, &h), CKR_USER_NOT_LOGGED_IN);  // secret keys are private by default
  EXPECT_EQ(Create(s_, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_PRIVATE, false), Str(CKA_VALUE, "public")}, &h), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s_), CKR_OK);
}

// ---- Item 11: parameters OpenSSL cannot take are the parameter's fault, never CKR_GENERAL_ERROR.

TEST_F(ExfiltrationTest, MechanismParametersOpenSslCannotTakeAreParamInvalid) {
  CK_OBJECT_HANDLE aes;
  ASSERT_EQ(GenerateAes(s_, {}, &aes), CKR_OK);
  std::vector<unsigned char> iv(256, 7), aad(8, 1);
  auto gcm = [&](CK_ULONG iv_len, CK_ULONG tag_bits, CK_BYTE_PTR aad_ptr, CK_ULONG aad_len) {
    CK_GCM_PARAMS p{iv.data(), iv_len, iv_len * 8, aad_ptr, aad_len, tag_bits};
    return EncryptInit({CKM_AES_GCM, &p, sizeof(p)}, aes);
  };
  EXPECT_EQ(gcm(256, 128, nullptr, 0), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gcm(129, 128, nullptr, 0), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gcm(0, 128, nullptr, 0), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gcm(12, 136, nullptr, 0), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gcm(12, 128, nullptr, 8), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gcm(12, 128, aad.data(), CK_ULONG{1} << 40), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gcm(128, 128, aad.data(), aad.size()), CKR_OK);
  for (CK_ULONG bits : {CK_ULONG{0}, CK_ULONG{129}}) {
    CK_AES_CTR_PARAMS ctr{bits, {0}};
    EXPECT_EQ(EncryptInit({CKM_AES_CTR, &ctr, sizeof(ctr)}, aes), CKR_MECHANISM_PARAM_INVALID) << bits;
  }
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(GenerateRsa({}, {}, &pub, &priv), CKR_OK);
  CK_RSA_PKCS_OAEP_PARAMS bad_source{CKM_SHA256, CKG_MGF1_SHA256, 0x77, aad.data(), aad.size()};
  EXPECT_EQ(EncryptInit({CKM_RSA_PKCS_OAEP, &bad_source, sizeof(bad_source)}, pub), CKR_MECHANISM_PARAM_INVALID);
  CK_RSA_PKCS_OAEP_PARAMS sha3{CKM_SHA3_512, CKG_MGF1_SHA3_256, CKZ_DATA_SPECIFIED, aad.data(), aad.size()};
  EXPECT_EQ(EncryptInit({CKM_RSA_PKCS_OAEP, &sha3, sizeof(sha3)}, pub), CKR_OK);
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 256};
  CK_MECHANISM pss_m{CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof(pss)};
  EXPECT_EQ(f_->C_SignInit(s_, &pss_m, priv), CKR_MECHANISM_PARAM_INVALID);
  CK_OBJECT_HANDLE ec_pub, ec_priv, derived;
  ASSERT_EQ(GenerateEc(s_, {}, {Bool(CKA_DERIVE, true)}, &ec_pub, &ec_priv), CKR_OK);
  std::vector<unsigned char> point;
  ASSERT_EQ(GetAttr(s_, ec_pub, CKA_EC_POINT, &point), CKR_OK);
  // A length past OpenSSL's X9.63 input limit, refused before anything is read from pSharedData.
  CK_ECDH1_DERIVE_PARAMS ecdh{CKD_SHA256_KDF, (CK_ULONG{1} << 30) + 1, aad.data(), static_cast<CK_ULONG>(point.size()),
                              point.data()};
  CK_MECHANISM ecdh_m{CKM_ECDH1_DERIVE, &ecdh, sizeof(ecdh)};
  std::vector<Attr> t = {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET),
                         Ulong(CKA_VALUE_LEN, 32)};
  auto v = View(t);
  EXPECT_EQ(f_->C_DeriveKey(s_, &ecdh_m, ec_priv, v.data(), v.size(), &derived), CKR_MECHANISM_PARAM_INVALID);
}

}  // namespace
}  // namespace cf::p11::test
