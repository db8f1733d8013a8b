// The key-extraction attacks of issue 4, each one a test: a key that both wraps and decrypts, wrap-then-decrypt,
// re-import as non-sensitive, CKA_VALUE_LEN tricks, SENSITIVE only on, EXTRACTABLE only off, sensitive attributes
// never returned, WRAP_WITH_TRUSTED, wrap/unwrap templates, and the secure defaults of keys nobody configured.
#include "p11_fixture.h"

namespace cf::p11::test {
namespace {

class KeyProtectionTest : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    s_ = OpenUser();
  }
  // A wrapping key (WRAP + UNWRAP, nothing else) and an extractable secret key to wrap.
  void MakeWrapPair() {
    ASSERT_EQ(GenerateAes(s_, {Bool(CKA_WRAP, true), Bool(CKA_UNWRAP, true)}, &wrapper_), CKR_OK);
    ASSERT_EQ(GenerateAes(s_, {Bool(CKA_EXTRACTABLE, true)}, &target_), CKR_OK);
  }
  std::vector<unsigned char> Wrap(CK_OBJECT_HANDLE wrapper, CK_OBJECT_HANDLE key, CK_RV* rv) {
    CK_MECHANISM m{CKM_AES_KEY_WRAP, nullptr, 0};
    CK_ULONG len = 0;
    *rv = f_->C_WrapKey(s_, &m, wrapper, key, nullptr, &len);
    if (*rv != CKR_OK) return {};
    std::vector<unsigned char> out(len);
    *rv = f_->C_WrapKey(s_, &m, wrapper, key, out.data(), &len);
    out.resize(len);
    return out;
  }
  CK_RV Unwrap(CK_OBJECT_HANDLE unwrapper, std::vector<unsigned char> wrapped, std::vector<Attr> t,
               CK_OBJECT_HANDLE* out) {
    CK_MECHANISM m{CKM_AES_KEY_WRAP, nullptr, 0};
    t.push_back(Ulong(CKA_CLASS, CKO_SECRET_KEY));
    t.push_back(Ulong(CKA_KEY_TYPE, CKK_AES));
    auto v = View(t);
    return f_->C_UnwrapKey(s_, &m, unwrapper, wrapped.data(), wrapped.size(), v.data(), v.size(), out);
  }

  CK_SESSION_HANDLE s_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE wrapper_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE target_ = CK_INVALID_HANDLE;
};

TEST_F(KeyProtectionTest, GeneratedKeyPairIsSensitiveUnextractableAndLocalByDefault) {
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(GenerateEc(s_, {}, {}, &pub, &priv), CKR_OK);
  EXPECT_TRUE(GetBool(s_, priv, CKA_SENSITIVE));
  EXPECT_FALSE(GetBool(s_, priv, CKA_EXTRACTABLE));
  EXPECT_TRUE(GetBool(s_, priv, CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(GetBool(s_, priv, CKA_NEVER_EXTRACTABLE));
  EXPECT_TRUE(GetBool(s_, priv, CKA_LOCAL));
  EXPECT_TRUE(GetBool(s_, priv, CKA_PRIVATE));
  EXPECT_EQ(GetUlong(s_, priv, CKA_KEY_GEN_MECHANISM), CKM_EC_KEY_PAIR_GEN);
  std::vector<unsigned char> value;
  EXPECT_EQ(GetAttr(s_, priv, CKA_VALUE, &value), CKR_ATTRIBUTE_SENSITIVE);
}

TEST_F(KeyProtectionTest, EcKeysDoNotClaimEncryptOrDecryptUsage) {
  // pkcs11-tool showed "encrypt" on EC public keys: EC has no encryption, so the default must be false.
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(GenerateEc(s_, {}, {}, &pub, &priv), CKR_OK);
  EXPECT_FALSE(GetBool(s_, pub, CKA_ENCRYPT));
  EXPECT_TRUE(GetBool(s_, pub, CKA_VERIFY));
  EXPECT_FALSE(GetBool(s_, priv, CKA_DECRYPT));
  EXPECT_TRUE(GetBool(s_, priv, CKA_SIGN));
}

TEST_F(KeyProtectionTest, CreatedSecretKeyDefaultsToSensitiveAndUnextractable) {
  CK_OBJECT_HANDLE key;
  ASSERT_EQ(Create(s_,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_AES),
                    Raw(CKA_VALUE, std::vector<unsigned char>(16, 7))},
                   &key),
            CKR_OK);
  EXPECT_TRUE(GetBool(s_, key, CKA_SENSITIVE));
  EXPECT_FALSE(GetBool(s_, key, CKA_EXTRACTABLE));
  // The value was known outside the token: never ALWAYS_SENSITIVE / NEVER_EXTRACTABLE, not LOCAL.
  EXPECT_FALSE(GetBool(s_, key, CKA_ALWAYS_SENSITIVE));
  EXPECT_FALSE(GetBool(s_, key, CKA_NEVER_EXTRACTABLE));
  EXPECT_FALSE(GetBool(s_, key, CKA_LOCAL));
}

TEST_F(KeyProtectionTest, SensitiveAttributeReadReportsUnavailableAndFillsTheRest) {
  CK_OBJECT_HANDLE key;
  ASSERT_EQ(GenerateAes(s_, {}, &key), CKR_OK);
  unsigned char value[64];
  CK_BBOOL sensitive = CK_FALSE;
  CK_ATTRIBUTE t[] = {{CKA_VALUE, value, sizeof(value)}, {CKA_SENSITIVE, &sensitive, sizeof(sensitive)}};
  EXPECT_EQ(f_->C_GetAttributeValue(s_, key, t, 2), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(t[1].ulValueLen, 1u);
  EXPECT_EQ(sensitive, CK_TRUE);
}

TEST_F(KeyProtectionTest, UnextractableKeyIsNotReadableEvenWhenNotSensitive) {
  CK_OBJECT_HANDLE key;
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_SENSITIVE, false)}, &key), CKR_OK);
  std::vector<unsigned char> value;
  EXPECT_EQ(GetAttr(s_, key, CKA_VALUE, &value), CKR_ATTRIBUTE_SENSITIVE);
}

TEST_F(KeyProtectionTest, KeyThatBothWrapsAndDecryptsIsRefused) {
  CK_OBJECT_HANDLE key;
  EXPECT_EQ(GenerateAes(s_, {Bool(CKA_WRAP, true), Bool(CKA_DECRYPT, true)}, &key), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(GenerateAes(s_, {Bool(CKA_UNWRAP, true), Bool(CKA_ENCRYPT, true)}, &key), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(Create(s_,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_AES),
                    Raw(CKA_VALUE, std::vector<unsigned char>(16, 1)), Bool(CKA_WRAP, true), Bool(CKA_DECRYPT, true)},
                   &key),
            CKR_TEMPLATE_INCONSISTENT);
}

TEST_F(KeyProtectionTest, WrappingKeyCannotLaterBecomeADecryptionKey) {
  MakeWrapPair();
  // Asking only for WRAP must not silently add the default DECRYPT role.
  EXPECT_FALSE(GetBool(s_, wrapper_, CKA_DECRYPT));
  EXPECT_FALSE(GetBool(s_, wrapper_, CKA_ENCRYPT));
  // Refused first because a use never turns on after creation (issue 11, item 7); the role conflict would too.
  EXPECT_EQ(SetAttr(s_, wrapper_, Bool(CKA_DECRYPT, true)), CKR_ATTRIBUTE_READ_ONLY);
  CK_OBJECT_HANDLE copy;
  std::vector<Attr> t = {Bool(CKA_DECRYPT, true)};
  auto v = View(t);
  EXPECT_EQ(f_->C_CopyObject(s_, wrapper_, v.data(), v.size(), &copy), CKR_ATTRIBUTE_READ_ONLY);
}

TEST_F(KeyProtectionTest, WrapThenDecryptWithTheWrappingKeyIsRefused) {
  MakeWrapPair();
  CK_RV rv;
  std::vector<unsigned char> wrapped = Wrap(wrapper_, target_, &rv);
  ASSERT_EQ(rv, CKR_OK);
  ASSERT_FALSE(wrapped.empty());
  CK_MECHANISM m{CKM_AES_KEY_WRAP, nullptr, 0};
  CK_RV init = f_->C_DecryptInit(s_, &m, wrapper_);
  EXPECT_TRUE(init == CKR_KEY_FUNCTION_NOT_PERMITTED || init == CKR_MECHANISM_INVALID) << init;
  CK_MECHANISM ecb{CKM_AES_ECB, nullptr, 0};
  init = f_->C_DecryptInit(s_, &ecb, wrapper_);
  EXPECT_TRUE(init == CKR_KEY_FUNCTION_NOT_PERMITTED || init == CKR_MECHANISM_INVALID) << init;
}

TEST_F(KeyProtectionTest, UnextractableKeyCannotBeWrapped) {
  MakeWrapPair();
  CK_OBJECT_HANDLE locked;
  ASSERT_EQ(GenerateAes(s_, {}, &locked), CKR_OK);
  CK_RV rv;
  Wrap(wrapper_, locked, &rv);
  EXPECT_EQ(rv, CKR_KEY_UNEXTRACTABLE);
}

TEST_F(KeyProtectionTest, ReimportOfAWrappedSensitiveKeyAsNonSensitiveIsRefused) {
  MakeWrapPair();
  CK_RV rv;
  std::vector<unsigned char> wrapped = Wrap(wrapper_, target_, &rv);
  ASSERT_EQ(rv, CKR_OK);
  CK_OBJECT_HANDLE clone = CK_INVALID_HANDLE;
  EXPECT_EQ(Unwrap(wrapper_, wrapped, {Bool(CKA_SENSITIVE, false), Bool(CKA_EXTRACTABLE, true)}, &clone),
            CKR_TEMPLATE_INCONSISTENT);
  // The ordinary re-import works and stays sensitive.
  ASSERT_EQ(Unwrap(wrapper_, wrapped, {}, &clone), CKR_OK);
  EXPECT_TRUE(GetBool(s_, clone, CKA_SENSITIVE));
  std::vector<unsigned char> value;
  EXPECT_EQ(GetAttr(s_, clone, CKA_VALUE, &value), CKR_ATTRIBUTE_SENSITIVE);
}

TEST_F(KeyProtectionTest, UnwrappedKeyIsNeitherAlwaysSensitiveNorNeverExtractable) {
  MakeWrapPair();
  CK_RV rv;
  std::vector<unsigned char> wrapped = Wrap(wrapper_, target_, &rv);
  ASSERT_EQ(rv, CKR_OK);
  CK_OBJECT_HANDLE clone;
  ASSERT_EQ(Unwrap(wrapper_, wrapped, {}, &clone), CKR_OK);
  EXPECT_FALSE(GetBool(s_, clone, CKA_ALWAYS_SENSITIVE));
  EXPECT_FALSE(GetBool(s_, clone, CKA_NEVER_EXTRACTABLE));
  EXPECT_FALSE(GetBool(s_, clone, CKA_LOCAL));
}

TEST_F(KeyProtectionTest, ValueLenTricksAreRefused) {
  MakeWrapPair();
  CK_RV rv;
  std::vector<unsigned char> wrapped = Wrap(wrapper_, target_, &rv);
  ASSERT_EQ(rv, CKR_OK);
  CK_OBJECT_HANDLE clone;
  // A shorter CKA_VALUE_LEN would import a truncated (brute-forceable) prefix of the key.
  EXPECT_EQ(Unwrap(wrapper_, wrapped, {Ulong(CKA_VALUE_LEN, 1)}, &clone), CKR_TEMPLATE_INCONSISTENT);
  // The length of an existing key cannot be rewritten, and C_CreateObject may not claim one.
  EXPECT_EQ(SetAttr(s_, target_, Ulong(CKA_VALUE_LEN, 1)), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(Create(s_,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_AES),
                    Raw(CKA_VALUE, std::vector<unsigned char>(16, 1)), Ulong(CKA_VALUE_LEN, 1)},
                   &clone),
            CKR_ATTRIBUTE_READ_ONLY);
  // A 1-byte AES key is no AES key.
  CK_OBJECT_HANDLE tiny;
  std::vector<Attr> t = {Ulong(CKA_VALUE_LEN, 1)};
  auto v = View(t);
  CK_MECHANISM m{CKM_AES_KEY_GEN, nullptr, 0};
  EXPECT_NE(f_->C_GenerateKey(s_, &m, v.data(), v.size(), &tiny), CKR_OK);
}

TEST_F(KeyProtectionTest, SensitiveOnlyTurnsOn) {
  CK_OBJECT_HANDLE key;
  ASSERT_EQ(GenerateAes(s_, {}, &key), CKR_OK);
  EXPECT_EQ(SetAttr(s_, key, Bool(CKA_SENSITIVE, false)), CKR_ATTRIBUTE_READ_ONLY);
  CK_OBJECT_HANDLE copy;
  std::vector<Attr> t = {Bool(CKA_SENSITIVE, false)};
  auto v = View(t);
  EXPECT_EQ(f_->C_CopyObject(s_, key, v.data(), v.size(), &copy), CKR_ATTRIBUTE_READ_ONLY);
  CK_OBJECT_HANDLE open;
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_SENSITIVE, false)}, &open), CKR_OK);
  EXPECT_EQ(SetAttr(s_, open, Bool(CKA_SENSITIVE, true)), CKR_OK);
  EXPECT_TRUE(GetBool(s_, open, CKA_SENSITIVE));
}

TEST_F(KeyProtectionTest, ExtractableOnlyTurnsOff) {
  CK_OBJECT_HANDLE key;
  ASSERT_EQ(GenerateAes(s_, {}, &key), CKR_OK);
  EXPECT_EQ(SetAttr(s_, key, Bool(CKA_EXTRACTABLE, true)), CKR_ATTRIBUTE_READ_ONLY);
  CK_OBJECT_HANDLE open;
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_EXTRACTABLE, true)}, &open), CKR_OK);
  EXPECT_FALSE(GetBool(s_, open, CKA_NEVER_EXTRACTABLE));
  EXPECT_EQ(SetAttr(s_, open, Bool(CKA_EXTRACTABLE, false)), CKR_OK);
  EXPECT_FALSE(GetBool(s_, open, CKA_EXTRACTABLE));
  // NEVER_EXTRACTABLE tells the history: the key was extractable once.
  EXPECT_FALSE(GetBool(s_, open, CKA_NEVER_EXTRACTABLE));
}

TEST_F(KeyProtectionTest, WrapWithTrustedNeedsATrustedWrappingKey) {
  MakeWrapPair();
  CK_OBJECT_HANDLE guarded;
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_EXTRACTABLE, true), Bool(CKA_WRAP_WITH_TRUSTED, true)}, &guarded), CKR_OK);
  CK_RV rv;
  Wrap(wrapper_, guarded, &rv);
  EXPECT_EQ(rv, CKR_KEY_NOT_WRAPPABLE);
  EXPECT_EQ(SetAttr(s_, guarded, Bool(CKA_WRAP_WITH_TRUSTED, false)), CKR_ATTRIBUTE_READ_ONLY);
}

TEST_F(KeyProtectionTest, OnlyTheSecurityOfficerMakesATrustedKey) {
  CK_OBJECT_HANDLE key;
  EXPECT_EQ(GenerateAes(s_, {Bool(CKA_WRAP, true), Bool(CKA_TRUSTED, true)}, &key), CKR_ATTRIBUTE_READ_ONLY);
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_WRAP, true)}, &key), CKR_OK);
  EXPECT_EQ(SetAttr(s_, key, Bool(CKA_TRUSTED, true)), CKR_ATTRIBUTE_READ_ONLY);
}

TEST_F(KeyProtectionTest, WrapTemplateOfTheWrappingKeyIsHonoured) {
  // The wrapping key may only wrap generic secrets; an AES key does not match.
  CK_ULONG kt = CKK_GENERIC_SECRET;
  CK_ATTRIBUTE inner{CKA_KEY_TYPE, &kt, sizeof(kt)};
  CK_OBJECT_HANDLE wrapper;
  std::vector<Attr> t = {Ulong(CKA_VALUE_LEN, 32), Bool(CKA_WRAP, true)};
  auto v = View(t);
  v.push_back({CKA_WRAP_TEMPLATE, &inner, sizeof(inner)});
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  ASSERT_EQ(f_->C_GenerateKey(s_, &gen, v.data(), v.size(), &wrapper), CKR_OK);
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_EXTRACTABLE, true)}, &target_), CKR_OK);
  CK_RV rv;
  Wrap(wrapper, target_, &rv);
  EXPECT_EQ(rv, CKR_KEY_NOT_WRAPPABLE);
}

TEST_F(KeyProtectionTest, UnwrapTemplateOfTheUnwrappingKeyIsEnforced) {
  MakeWrapPair();
  CK_RV rv;
  std::vector<unsigned char> wrapped = Wrap(wrapper_, target_, &rv);
  ASSERT_EQ(rv, CKR_OK);
  // An unwrapping key whose template forces CKA_EXTRACTABLE false.
  CK_BBOOL no = CK_FALSE;
  CK_ATTRIBUTE inner{CKA_EXTRACTABLE, &no, sizeof(no)};
  std::vector<Attr> t = {Ulong(CKA_VALUE_LEN, 32), Bool(CKA_UNWRAP, true), Bool(CKA_EXTRACTABLE, true)};
  auto v = View(t);
  v.push_back({CKA_UNWRAP_TEMPLATE, &inner, sizeof(inner)});
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE unwrapper;
  ASSERT_EQ(f_->C_GenerateKey(s_, &gen, v.data(), v.size(), &unwrapper), CKR_OK);
  // The template judged before any unwrapping: a request contradicting CKA_UNWRAP_TEMPLATE is refused.
  CK_OBJECT_HANDLE clone;
  EXPECT_EQ(Unwrap(unwrapper, wrapped, {Bool(CKA_EXTRACTABLE, true)}, &clone), CKR_TEMPLATE_INCONSISTENT);
}

TEST_F(KeyProtectionTest, PrivateKeyOperationsNeedLogin) {
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(GenerateEc(s_, {}, {}, &pub, &priv), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s_), CKR_OK);
  CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
  EXPECT_NE(f_->C_SignInit(s_, &m, priv), CKR_OK);
  std::vector<unsigned char> v;
  EXPECT_EQ(GetAttr(s_, priv, CKA_CLASS, &v), CKR_OBJECT_HANDLE_INVALID);
}

}  // namespace
}  // namespace cf::p11::test

namespace cf::p11::test {
namespace {

constexpr CK_MECHANISM_TYPE kAesKeyWrapKwp = 0x210BUL;  // PKCS#11 3.0 CKM_AES_KEY_WRAP_KWP

class PrivateKeyWrapTest : public ModuleTest {};

TEST_F(PrivateKeyWrapTest, ExtractablePrivateKeyRoundTripsThroughKwpAndStillSigns) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE wrapper, pub, priv, locked_pub, locked_priv;
  ASSERT_EQ(GenerateAes(s, {Bool(CKA_WRAP, true), Bool(CKA_UNWRAP, true)}, &wrapper), CKR_OK);
  ASSERT_EQ(GenerateEc(s, {}, {Bool(CKA_EXTRACTABLE, true)}, &pub, &priv), CKR_OK);
  ASSERT_EQ(GenerateEc(s, {}, {}, &locked_pub, &locked_priv), CKR_OK);
  CK_MECHANISM kwp{kAesKeyWrapKwp, nullptr, 0};
  CK_ULONG len = 0;
  EXPECT_EQ(f_->C_WrapKey(s, &kwp, wrapper, locked_priv, nullptr, &len), CKR_KEY_UNEXTRACTABLE);
  CK_RV public_rv = f_->C_WrapKey(s, &kwp, wrapper, pub, nullptr, &len);
  EXPECT_TRUE(public_rv == CKR_KEY_NOT_WRAPPABLE || public_rv == CKR_KEY_UNEXTRACTABLE) << public_rv;
  ASSERT_EQ(f_->C_WrapKey(s, &kwp, wrapper, priv, nullptr, &len), CKR_OK);
  std::vector<unsigned char> wrapped(len);
  ASSERT_EQ(f_->C_WrapKey(s, &kwp, wrapper, priv, wrapped.data(), &len), CKR_OK);
  wrapped.resize(len);

  std::vector<Attr> t = {Ulong(CKA_CLASS, CKO_PRIVATE_KEY), Ulong(CKA_KEY_TYPE, CKK_EC), Bool(CKA_SIGN, true)};
  auto v = View(t);
  CK_OBJECT_HANDLE back;
  ASSERT_EQ(f_->C_UnwrapKey(s, &kwp, wrapper, wrapped.data(), wrapped.size(), v.data(), v.size(), &back), CKR_OK);
  EXPECT_TRUE(GetBool(s, back, CKA_SENSITIVE));
  EXPECT_FALSE(GetBool(s, back, CKA_ALWAYS_SENSITIVE));
  std::vector<unsigned char> params;
  ASSERT_EQ(GetAttr(s, back, CKA_EC_PARAMS, &params), CKR_OK);
  EXPECT_EQ(params, P256Params());
  // The unwrapped key is the same key: its signature verifies under the original public key.
  CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
  unsigned char data[] = "unwrapped", sig[64];
  CK_ULONG sig_len = sizeof(sig);
  ASSERT_EQ(f_->C_SignInit(s, &m, back), CKR_OK);
  ASSERT_EQ(f_->C_Sign(s, data, sizeof(data), sig, &sig_len), CKR_OK);
  ASSERT_EQ(f_->C_VerifyInit(s, &m, pub), CKR_OK);
  EXPECT_EQ(f_->C_Verify(s, data, sizeof(data), sig, sig_len), CKR_OK);
  // A template naming another key type is refused.
  std::vector<Attr> wrong = {Ulong(CKA_CLASS, CKO_PRIVATE_KEY), Ulong(CKA_KEY_TYPE, CKK_RSA)};
  auto w = View(wrong);
  EXPECT_EQ(f_->C_UnwrapKey(s, &kwp, wrapper, wrapped.data(), wrapped.size(), w.data(), w.size(), &back),
            CKR_TEMPLATE_INCONSISTENT);
}

}  // namespace
}  // namespace cf::p11::test
