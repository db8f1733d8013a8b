// HKDF through the C ABI of the built module: the exact calls pkcs11-provider makes for EVP_KDF "HKDF" (a session
// secret key from the IKM, C_DeriveKey with its template, CKA_VALUE read back) give OpenSSL's HKDF bytes, for both
// CKM_HKDF_DERIVE (provider 0.x/1.0) and CKM_HKDF_DATA (later providers); derived keys follow the lifecycle rules;
// a salt named by key handle passes the base key's gates; malformed calls are refused.
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "p11_fixture.h"

namespace cf::p11::test {
namespace {

using Bytes = std::vector<unsigned char>;

// Plain OpenSSL (default context: this is the test's reference, not module code).
Bytes OpensslHkdf(int mode, const char* digest, const Bytes& key, const Bytes& salt, const Bytes& info, size_t len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(key.data()), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<unsigned char*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<unsigned char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(len);
  int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  return ok == 1 ? out : Bytes();
}

Bytes Fill(size_t n, unsigned char seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(seed + 7 * i);
  return b;
}

CfHkdfParams Params(bool extract, bool expand, CK_ULONG salt_type, Bytes* salt, Bytes* info) {
  CfHkdfParams p{};
  p.bExtract = extract ? CK_TRUE : CK_FALSE;
  p.bExpand = expand ? CK_TRUE : CK_FALSE;
  p.prfHashMechanism = CKM_SHA256;
  p.ulSaltType = salt_type;
  p.pSalt = salt ? salt->data() : nullptr;
  p.ulSaltLen = salt ? salt->size() : 0;
  p.hSaltKey = CK_INVALID_HANDLE;
  p.pInfo = info ? info->data() : nullptr;
  p.ulInfoLen = info ? info->size() : 0;
  return p;
}

class HkdfTest : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    s_ = OpenUser();
  }
  // pkcs11-provider's p11prov_create_secret_key: a session generic secret with CKA_DERIVE, nothing else said.
  CK_OBJECT_HANDLE ProviderIkmKey(const Bytes& ikm) {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    EXPECT_EQ(Create(s_,
                     {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Bool(CKA_TOKEN, false),
                      Bool(CKA_DERIVE, true), Raw(CKA_VALUE, ikm)},
                     &h),
              CKR_OK);
    return h;
  }
  // A CKK_HKDF session key made by the token (CKM_HKDF_KEY_GEN, 32 bytes, CKA_DERIVE): always sensitive.
  CK_OBJECT_HANDLE GeneratedDeriveKey() {
    CK_MECHANISM gen{CKM_HKDF_KEY_GEN, nullptr, 0};
    std::vector<Attr> t = {Ulong(CKA_VALUE_LEN, 32), Bool(CKA_DERIVE, true), Bool(CKA_TOKEN, false)};
    auto v = View(t);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    EXPECT_EQ(f_->C_GenerateKey(s_, &gen, v.data(), v.size(), &h), CKR_OK);
    return h;
  }
  CK_RV Derive(CK_MECHANISM_TYPE type, CfHkdfParams p, CK_OBJECT_HANDLE base, std::vector<Attr> t,
               CK_OBJECT_HANDLE* out) {
    CK_MECHANISM m{type, &p, sizeof(p)};
    auto v = View(t);
    return f_->C_DeriveKey(s_, &m, base, v.data(), v.size(), out);
  }
  // The provider's derived-key templates: 0.x/1.0 CKM_HKDF_DERIVE, later CKM_HKDF_DATA.
  static std::vector<Attr> ProviderKeyTemplate(CK_ULONG len) {
    return {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Bool(CKA_SENSITIVE, false),
            Bool(CKA_EXTRACTABLE, true), Ulong(CKA_VALUE_LEN, len)};
  }
  static std::vector<Attr> ProviderDataTemplate(CK_ULONG len) {
    return {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, false), Ulong(CKA_VALUE_LEN, len)};
  }

  CK_SESSION_HANDLE s_ = CK_INVALID_HANDLE;
};

TEST_F(HkdfTest, MechanismsAreListedWithTheDeriveFlag) {
  for (CK_MECHANISM_TYPE m : {CKM_HKDF_DERIVE, CKM_HKDF_DATA}) {
    CK_MECHANISM_INFO info{};
    ASSERT_EQ(f_->C_GetMechanismInfo(slot_, m, &info), CKR_OK);
    EXPECT_TRUE(info.flags & CKF_DERIVE);
  }
  CK_MECHANISM_INFO gen{};
  ASSERT_EQ(f_->C_GetMechanismInfo(slot_, CKM_HKDF_KEY_GEN, &gen), CKR_OK);
  EXPECT_TRUE(gen.flags & CKF_GENERATE);
}

TEST_F(HkdfTest, ProviderCallSequenceGivesOpensslHkdfForEveryMode) {
  Bytes ikm = Fill(32, 1), salt = Fill(16, 2), info = Fill(20, 3);
  CK_OBJECT_HANDLE base = ProviderIkmKey(ikm);
  struct Mode {
    bool extract, expand;
    int ossl_mode;
    CK_ULONG len;
  };
  for (Mode mode :
       {Mode{true, true, EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, 42},
        Mode{true, false, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, 32}, Mode{false, true, EVP_KDF_HKDF_MODE_EXPAND_ONLY, 77}}) {
    SCOPED_TRACE(mode.ossl_mode);
    Bytes want = OpensslHkdf(mode.ossl_mode, "SHA256", ikm, salt, info, mode.len);
    ASSERT_EQ(want.size(), mode.len);
    // The provider sends ulSaltType 0 for its expand-only step: the salt is not looked at then.
    CK_ULONG salt_type = mode.extract ? CKF_HKDF_SALT_DATA : 0;
    CfHkdfParams p = Params(mode.extract, mode.expand, salt_type, &salt, &info);
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    ASSERT_EQ(Derive(CKM_HKDF_DERIVE, p, base, ProviderKeyTemplate(mode.len), &key), CKR_OK);
    Bytes got;
    ASSERT_EQ(GetAttr(s_, key, CKA_VALUE, &got), CKR_OK);
    EXPECT_EQ(got, want);
    EXPECT_FALSE(GetBool(s_, key, CKA_LOCAL));
    EXPECT_EQ(GetUlong(s_, key, CKA_VALUE_LEN), mode.len);
    CK_OBJECT_HANDLE data = CK_INVALID_HANDLE;
    ASSERT_EQ(Derive(CKM_HKDF_DATA, p, base, ProviderDataTemplate(mode.len), &data), CKR_OK);
    got.clear();
    ASSERT_EQ(GetAttr(s_, data, CKA_VALUE, &got), CKR_OK);
    EXPECT_EQ(got, want);
    EXPECT_EQ(GetUlong(s_, data, CKA_CLASS), CKO_DATA);
  }
}

// nginx -t under `?provider=pkcs11`: the provider imports the IKM and derives in a session where nobody logged in.
// Session objects without CKA_PRIVATE are public then; asking for a private one still needs the login.
TEST_F(HkdfTest, ProviderSequenceWorksInAPublicSessionAndPrivateStillNeedsTheLogin) {
  CK_SESSION_HANDLE pub = OpenRw();
  Bytes ikm = Fill(32, 4), salt = Fill(16, 5), info = Fill(10, 6);
  CK_OBJECT_HANDLE base = CK_INVALID_HANDLE;
  ASSERT_EQ(f_->C_Logout(s_), CKR_OK);
  ASSERT_EQ(Create(pub,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Bool(CKA_TOKEN, false),
                    Bool(CKA_DERIVE, true), Raw(CKA_VALUE, ikm)},
                   &base),
            CKR_OK);
  EXPECT_FALSE(GetBool(pub, base, CKA_PRIVATE));
  CfHkdfParams p = Params(true, true, CKF_HKDF_SALT_DATA, &salt, &info);
  CK_MECHANISM m{CKM_HKDF_DERIVE, &p, sizeof(p)};
  auto t = ProviderKeyTemplate(42);
  auto v = View(t);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_EQ(f_->C_DeriveKey(pub, &m, base, v.data(), v.size(), &key), CKR_OK);
  Bytes got;
  ASSERT_EQ(GetAttr(pub, key, CKA_VALUE, &got), CKR_OK);
  EXPECT_EQ(got, OpensslHkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, "SHA256", ikm, salt, info, 42));
  EXPECT_FALSE(GetBool(pub, key, CKA_PRIVATE));
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
  EXPECT_EQ(Create(pub,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Bool(CKA_TOKEN, false),
                    Bool(CKA_PRIVATE, true), Raw(CKA_VALUE, ikm)},
                   &priv),
            CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(Create(pub,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Bool(CKA_TOKEN, true),
                    Raw(CKA_VALUE, ikm)},
                   &priv),
            CKR_USER_NOT_LOGGED_IN);
}

TEST_F(HkdfTest, Rfc5869Case3ThroughTheAbiWithNullSalt) {
  CK_OBJECT_HANDLE base = ProviderIkmKey(Bytes(22, 0x0b));
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_EQ(Derive(CKM_HKDF_DERIVE, Params(true, true, CKF_HKDF_SALT_NULL, nullptr, nullptr), base,
                   ProviderKeyTemplate(42), &key),
            CKR_OK);
  Bytes got;
  ASSERT_EQ(GetAttr(s_, key, CKA_VALUE, &got), CKR_OK);
  const Bytes okm = {0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f, 0x71, 0x5f, 0x80, 0x2a, 0x06, 0x3c,
                     0x5a, 0x31, 0xb8, 0xa1, 0x1f, 0x5c, 0x5e, 0xe1, 0x87, 0x9e, 0xc3, 0x45, 0x4e, 0x5f,
                     0x3c, 0x73, 0x8d, 0x2d, 0x9d, 0x20, 0x13, 0x95, 0xfa, 0xa4, 0xb6, 0x1a, 0x96, 0xc8};
  EXPECT_EQ(got, okm);
}

TEST_F(HkdfTest, SensitiveGeneratedBaseGivesSensitiveDerivedKey) {
  CK_OBJECT_HANDLE base = GeneratedDeriveKey();
  ASSERT_NE(base, CK_INVALID_HANDLE);
  EXPECT_EQ(GetUlong(s_, base, CKA_KEY_TYPE), CKK_HKDF);
  EXPECT_TRUE(GetBool(s_, base, CKA_ALWAYS_SENSITIVE));
  Bytes info = Fill(8, 9);
  CK_OBJECT_HANDLE derived = CK_INVALID_HANDLE;
  ASSERT_EQ(
      Derive(CKM_HKDF_DERIVE, Params(false, true, 0, nullptr, &info), base,
             {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_AES), Ulong(CKA_VALUE_LEN, 32)}, &derived),
      CKR_OK);
  Bytes value;
  EXPECT_EQ(GetAttr(s_, derived, CKA_VALUE, &value), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_TRUE(GetBool(s_, derived, CKA_SENSITIVE));
  EXPECT_TRUE(GetBool(s_, derived, CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(GetBool(s_, derived, CKA_NEVER_EXTRACTABLE));
  EXPECT_FALSE(GetBool(s_, derived, CKA_LOCAL));
}

TEST_F(HkdfTest, SaltByKeyHandleEqualsSaltByValueAndPassesTheKeyGates) {
  Bytes ikm = Fill(32, 4), salt = Fill(24, 5), info = Fill(10, 6);
  CK_OBJECT_HANDLE base = ProviderIkmKey(ikm);
  CK_OBJECT_HANDLE salt_key = ProviderIkmKey(salt);
  CfHkdfParams p = Params(true, true, CKF_HKDF_SALT_KEY, nullptr, &info);
  p.hSaltKey = salt_key;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_EQ(Derive(CKM_HKDF_DERIVE, p, base, ProviderKeyTemplate(40), &key), CKR_OK);
  Bytes got;
  ASSERT_EQ(GetAttr(s_, key, CKA_VALUE, &got), CKR_OK);
  EXPECT_EQ(got, OpensslHkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, "SHA256", ikm, salt, info, 40));
  // A salt key without CKA_DERIVE, or no key at all.
  CK_OBJECT_HANDLE no_derive = CK_INVALID_HANDLE;
  ASSERT_EQ(Create(s_,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Bool(CKA_TOKEN, false),
                    Raw(CKA_VALUE, salt)},
                   &no_derive),
            CKR_OK);
  p.hSaltKey = no_derive;
  EXPECT_EQ(Derive(CKM_HKDF_DERIVE, p, base, ProviderKeyTemplate(40), &key), CKR_KEY_FUNCTION_NOT_PERMITTED);
  p.hSaltKey = 0x7fff0000;
  EXPECT_EQ(Derive(CKM_HKDF_DERIVE, p, base, ProviderKeyTemplate(40), &key), CKR_KEY_HANDLE_INVALID);
}

// Section 4.9: a derived key is ALWAYS_SENSITIVE / NEVER_EXTRACTABLE only if every key whose bytes went into it was;
// an imported salt key (its value was known outside the token) takes that away from a generated base key's result.
TEST_F(HkdfTest, AnImportedSaltKeyTakesAwayAlwaysSensitiveAndNeverExtractable) {
  CK_OBJECT_HANDLE base = GeneratedDeriveKey();
  CK_OBJECT_HANDLE generated_salt = GeneratedDeriveKey();
  ASSERT_NE(base, CK_INVALID_HANDLE);
  ASSERT_NE(generated_salt, CK_INVALID_HANDLE);
  CK_OBJECT_HANDLE imported_salt = ProviderIkmKey(Fill(24, 5));
  Bytes info = Fill(10, 6);
  std::vector<Attr> sensitive_aes = {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_AES),
                                     Ulong(CKA_VALUE_LEN, 32)};
  CfHkdfParams p = Params(true, true, CKF_HKDF_SALT_KEY, nullptr, &info);
  p.hSaltKey = generated_salt;
  CK_OBJECT_HANDLE both_generated = CK_INVALID_HANDLE;
  ASSERT_EQ(Derive(CKM_HKDF_DERIVE, p, base, sensitive_aes, &both_generated), CKR_OK);
  EXPECT_TRUE(GetBool(s_, both_generated, CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(GetBool(s_, both_generated, CKA_NEVER_EXTRACTABLE));
  p.hSaltKey = imported_salt;
  CK_OBJECT_HANDLE with_imported = CK_INVALID_HANDLE;
  ASSERT_EQ(Derive(CKM_HKDF_DERIVE, p, base, sensitive_aes, &with_imported), CKR_OK);
  EXPECT_TRUE(GetBool(s_, with_imported, CKA_SENSITIVE));
  EXPECT_FALSE(GetBool(s_, with_imported, CKA_ALWAYS_SENSITIVE));
  EXPECT_FALSE(GetBool(s_, with_imported, CKA_NEVER_EXTRACTABLE));
}

TEST_F(HkdfTest, RefusesWrongBaseKeyTypeBadParametersAndBadTemplates) {
  Bytes salt = Fill(8, 1), info = Fill(8, 2);
  CK_OBJECT_HANDLE base = ProviderIkmKey(Fill(32, 3));
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CfHkdfParams good = Params(true, true, CKF_HKDF_SALT_DATA, &salt, &info);
  CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE;
  ASSERT_EQ(GenerateAes(s_, {Bool(CKA_DERIVE, true)}, &aes), CKR_OK);
  EXPECT_EQ(Derive(CKM_HKDF_DERIVE, good, aes, ProviderKeyTemplate(32), &key), CKR_KEY_TYPE_INCONSISTENT);
  CfHkdfParams p = good;
  p.bExtract = p.bExpand = CK_FALSE;
  EXPECT_EQ(Derive(CKM_HKDF_DERIVE, p, base, ProviderKeyTemplate(32), &key), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.prfHashMechanism = CKM_MD5;
  EXPECT_EQ(Derive(CKM_HKDF_DERIVE, p, base, ProviderKeyTemplate(32), &key), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.ulSaltType = 8;
  EXPECT_EQ(Derive(CKM_HKDF_DATA, p, base, ProviderDataTemplate(32), &key), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM no_param{CKM_HKDF_DERIVE, nullptr, 0};
  auto t = ProviderKeyTemplate(32);
  auto v = View(t);
  EXPECT_EQ(f_->C_DeriveKey(s_, &no_param, base, v.data(), v.size(), &key), CKR_MECHANISM_PARAM_INVALID);
  // Expand without a length, beyond 255 blocks, a key class for CKM_HKDF_DATA, a value given for a data object.
  EXPECT_EQ(Derive(CKM_HKDF_DERIVE, good, base, {Ulong(CKA_CLASS, CKO_SECRET_KEY)}, &key), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(Derive(CKM_HKDF_DERIVE, good, base, ProviderKeyTemplate(255 * 32 + 1), &key), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(Derive(CKM_HKDF_DATA, good, base, ProviderKeyTemplate(32), &key), CKR_TEMPLATE_INCONSISTENT);
  auto with_value = ProviderDataTemplate(32);
  with_value.push_back(Raw(CKA_VALUE, Fill(32, 1)));
  EXPECT_EQ(Derive(CKM_HKDF_DATA, good, base, with_value, &key), CKR_TEMPLATE_INCONSISTENT);
  // Extract-only gives HashLen bytes: a longer CKA_VALUE_LEN cannot be met.
  EXPECT_EQ(Derive(CKM_HKDF_DERIVE, Params(true, false, CKF_HKDF_SALT_DATA, &salt, nullptr), base,
                   ProviderKeyTemplate(33), &key),
            CKR_TEMPLATE_INCONSISTENT);
}

}  // namespace
}  // namespace cf::p11::test
