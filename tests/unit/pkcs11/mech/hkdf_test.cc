// CKM_HKDF_DERIVE / CKM_HKDF_DATA rows: RFC 5869 appendix A cases 1-4 through extract+expand, extract alone and
// expand alone, every salt type, and each malformed CK_HKDF_PARAMS field refused with CKR_MECHANISM_PARAM_INVALID.
#include "mech_fixture.h"

namespace cf::p11::testing {
namespace {

Bytes Hex(std::string_view h) { return HexDecode(h).value(); }
Bytes Range(int from, int to) {
  Bytes b;
  for (int i = from; i < to; ++i) b.push_back(static_cast<uint8_t>(i));
  return b;
}

KeyMaterial Secret(const Bytes& value, CK_KEY_TYPE type = CKK_GENERIC_SECRET) {
  return KeyMaterial{
      .object_class = CKO_SECRET_KEY, .key_type = type, .secret = std::make_shared<const SecureBytes>(ToSecure(value))};
}

CfHkdfParams Params(bool extract, bool expand, CK_MECHANISM_TYPE hash, CK_ULONG salt_type, Bytes* salt, Bytes* info) {
  CfHkdfParams p{};
  p.bExtract = extract ? CK_TRUE : CK_FALSE;
  p.bExpand = expand ? CK_TRUE : CK_FALSE;
  p.prfHashMechanism = hash;
  p.ulSaltType = salt_type;
  p.pSalt = salt && !salt->empty() ? salt->data() : nullptr;
  p.ulSaltLen = salt ? salt->size() : 0;
  p.hSaltKey = CK_INVALID_HANDLE;
  p.pInfo = info && !info->empty() ? info->data() : nullptr;
  p.ulInfoLen = info ? info->size() : 0;
  return p;
}

Result<SecureBytes> Derive(CK_MECHANISM_TYPE type, CfHkdfParams p, const KeyMaterial& base, std::optional<CK_ULONG> len,
                           DeriveContext ctx = {}) {
  ctx.value_len = len;
  return Row(type).derive(Mech(type, &p, sizeof(p)), base, ctx);
}

Bytes B(const SecureBytes& s) { return Bytes(s.begin(), s.end()); }

struct Rfc5869Case {
  const char* name;
  CK_MECHANISM_TYPE hash;
  Bytes ikm, salt, info;
  const char *prk, *okm;
};

std::vector<Rfc5869Case> Cases() {
  return {
      {"case1_sha256", CKM_SHA256, Bytes(22, 0x0b), Range(0, 13), Range(0xf0, 0xfa),
       "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {"case2_sha256_long", CKM_SHA256, Range(0, 0x50), Range(0x60, 0xb0), Range(0xb0, 0x100),
       "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09"
       "b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {"case3_sha256_empty_salt_info", CKM_SHA256, Bytes(22, 0x0b), Bytes(), Bytes(),
       "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
      {"case4_sha1", CKM_SHA_1, Bytes(11, 0x0b), Range(0, 13), Range(0xf0, 0xfa),
       "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
       "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"},
  };
}

TEST(Hkdf, Rfc5869VectorsExtractAndExpandAloneAndTogether) {
  for (Rfc5869Case c : Cases()) {
    SCOPED_TRACE(c.name);
    Bytes okm = Hex(c.okm);
    Bytes prk = Hex(c.prk);
    CK_ULONG salt_type = c.salt.empty() ? CKF_HKDF_SALT_NULL : CKF_HKDF_SALT_DATA;
    for (CK_MECHANISM_TYPE mech : {CKM_HKDF_DERIVE, CKM_HKDF_DATA}) {
      auto both = Derive(mech, Params(true, true, c.hash, salt_type, &c.salt, &c.info), Secret(c.ikm), okm.size());
      ASSERT_TRUE(both.ok()) << both.status().ToString();
      EXPECT_EQ(B(*both), okm);
    }
    auto extracted =
        Derive(CKM_HKDF_DERIVE, Params(true, false, c.hash, salt_type, &c.salt, nullptr), Secret(c.ikm), std::nullopt);
    ASSERT_TRUE(extracted.ok()) << extracted.status().ToString();
    EXPECT_EQ(B(*extracted), prk);
    // Expand alone over the PRK, held as a CKK_HKDF key this time.
    auto expanded =
        Derive(CKM_HKDF_DERIVE, Params(false, true, c.hash, 0, nullptr, &c.info), Secret(prk, CKK_HKDF), okm.size());
    ASSERT_TRUE(expanded.ok()) << expanded.status().ToString();
    EXPECT_EQ(B(*expanded), okm);
  }
}

TEST(Hkdf, ZeroLengthSaltDataEqualsNullSaltAndSaltKeyEqualsSaltData) {
  Rfc5869Case c = Cases()[2];
  Bytes empty;
  auto as_data =
      Derive(CKM_HKDF_DERIVE, Params(true, true, CKM_SHA256, CKF_HKDF_SALT_DATA, &empty, nullptr), Secret(c.ikm), 42);
  ASSERT_TRUE(as_data.ok()) << as_data.status().ToString();
  EXPECT_EQ(B(*as_data), Hex(c.okm));

  Rfc5869Case c1 = Cases()[0];
  auto salt_key = std::make_shared<const KeyMaterial>(Secret(c1.salt));
  DeriveContext ctx;
  CK_OBJECT_HANDLE asked = 0;
  ctx.other_key = [&](CK_OBJECT_HANDLE h) -> Result<std::shared_ptr<const KeyMaterial>> {
    asked = h;
    return salt_key;
  };
  CfHkdfParams p = Params(true, true, CKM_SHA256, CKF_HKDF_SALT_KEY, nullptr, &c1.info);
  p.hSaltKey = 77;
  auto as_key = Derive(CKM_HKDF_DERIVE, p, Secret(c1.ikm), 42, ctx);
  ASSERT_TRUE(as_key.ok()) << as_key.status().ToString();
  EXPECT_EQ(asked, 77u);
  EXPECT_EQ(B(*as_key), Hex(c1.okm));
  // A salt key that is not a secret of an HKDF-usable type is the parameter's fault.
  salt_key = std::make_shared<const KeyMaterial>(Secret(Bytes(16, 1), CKK_AES));
  EXPECT_EQ(RvOf(Derive(CKM_HKDF_DERIVE, p, Secret(c1.ikm), 42, ctx).status()), CKR_MECHANISM_PARAM_INVALID);
}

TEST(Hkdf, EveryHashOfTheTableAgreesWithItsOwnExtractThenExpand) {
  Bytes ikm = Range(1, 40), salt = Range(7, 20), info = Range(100, 130);
  for (CK_MECHANISM_TYPE hash : {CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512, CKM_SHA3_256}) {
    SCOPED_TRACE(hash);
    auto prk = Derive(CKM_HKDF_DERIVE, Params(true, false, hash, CKF_HKDF_SALT_DATA, &salt, nullptr), Secret(ikm),
                      std::nullopt);
    ASSERT_TRUE(prk.ok()) << prk.status().ToString();
    auto two_steps =
        Derive(CKM_HKDF_DERIVE, Params(false, true, hash, 0, nullptr, &info), Secret(B(*prk), CKK_HKDF), 100);
    auto one_step =
        Derive(CKM_HKDF_DERIVE, Params(true, true, hash, CKF_HKDF_SALT_DATA, &salt, &info), Secret(ikm), 100);
    ASSERT_TRUE(two_steps.ok() && one_step.ok());
    EXPECT_EQ(B(*two_steps), B(*one_step));
    EXPECT_EQ(one_step->size(), 100u);
  }
}

TEST(Hkdf, BadParametersAreRefusedNamingTheField) {
  Bytes ikm(32, 5), salt(8, 1), info(4, 2);
  KeyMaterial base = Secret(ikm);
  auto rv = [&](CfHkdfParams p, std::optional<CK_ULONG> len = 32) {
    return RvOf(Derive(CKM_HKDF_DERIVE, p, base, len).status());
  };
  CfHkdfParams good = Params(true, true, CKM_SHA256, CKF_HKDF_SALT_DATA, &salt, &info);
  EXPECT_EQ(rv(good), CKR_OK);
  EXPECT_EQ(rv(Params(false, false, CKM_SHA256, CKF_HKDF_SALT_NULL, nullptr, nullptr)), CKR_MECHANISM_PARAM_INVALID);
  CfHkdfParams p = good;
  p.prfHashMechanism = CKM_AES_ECB;
  EXPECT_EQ(rv(p), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.ulSaltType = 0;
  EXPECT_EQ(rv(p), CKR_MECHANISM_PARAM_INVALID);
  p.ulSaltType = CKF_HKDF_SALT_DATA | CKF_HKDF_SALT_NULL;
  EXPECT_EQ(rv(p), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.pSalt = nullptr;
  EXPECT_EQ(rv(p), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.pInfo = nullptr;
  EXPECT_EQ(rv(p), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.ulInfoLen = 4096;
  EXPECT_EQ(rv(p), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.ulSaltType = CKF_HKDF_SALT_KEY;  // no resolver given: nothing to name
  EXPECT_EQ(rv(p), CKR_MECHANISM_PARAM_INVALID);
  // Expand-only ignores the salt fields (pkcs11-provider's TLS 1.3 expand sends ulSaltType 0).
  p = Params(false, true, CKM_SHA256, 0, nullptr, &info);
  EXPECT_EQ(rv(p), CKR_OK);
  // A parameter of the wrong size, or none.
  CK_MECHANISM short_param = Mech(CKM_HKDF_DERIVE, &good, sizeof(good) - 1);
  EXPECT_EQ(RvOf(Row(CKM_HKDF_DERIVE).derive(short_param, base, DeriveContext{}).status()),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(RvOf(Row(CKM_HKDF_DERIVE).derive(Mech(CKM_HKDF_DERIVE), base, DeriveContext{}).status()),
            CKR_MECHANISM_PARAM_INVALID);
  // Output length: expand needs one, at most 255 hash blocks.
  EXPECT_EQ(rv(good, std::nullopt), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(rv(good, 0), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(rv(good, 255 * 32), CKR_OK);
  EXPECT_EQ(rv(good, 255 * 32 + 1), CKR_TEMPLATE_INCONSISTENT);
}

TEST(Hkdf, BaseKeyMustBeHkdfOrGenericSecret) {
  Bytes salt(8, 1);
  CfHkdfParams p = Params(true, true, CKM_SHA256, CKF_HKDF_SALT_DATA, &salt, nullptr);
  EXPECT_EQ(RvOf(Derive(CKM_HKDF_DERIVE, p, Secret(Bytes(32, 3), CKK_AES), 32).status()), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(RvOf(Derive(CKM_HKDF_DATA, p, Secret(Bytes(32, 3), CKK_AES), 32).status()), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(RvOf(Derive(CKM_HKDF_DERIVE, p, Secret(Bytes(32, 3), CKK_HKDF), 32).status()), CKR_OK);
}

TEST(Hkdf, KeyGenMakesHkdfKeysOfTheAskedLength) {
  Template t;
  t.Ulong(CKA_VALUE_LEN, 32);
  auto key = Row(CKM_HKDF_KEY_GEN).generate_key(Mech(CKM_HKDF_KEY_GEN), t.Lookup());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->key_type, CKK_HKDF);
  EXPECT_EQ(key->secret->size(), 32u);
  Template none;
  EXPECT_EQ(RvOf(Row(CKM_HKDF_KEY_GEN).generate_key(Mech(CKM_HKDF_KEY_GEN), none.Lookup()).status()),
            CKR_TEMPLATE_INCOMPLETE);
  Template tiny;
  tiny.Ulong(CKA_VALUE_LEN, 4);
  EXPECT_EQ(RvOf(Row(CKM_HKDF_KEY_GEN).generate_key(Mech(CKM_HKDF_KEY_GEN), tiny.Lookup()).status()),
            CKR_KEY_SIZE_RANGE);
}

}  // namespace
}  // namespace cf::p11::testing
