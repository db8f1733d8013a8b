// DescribeKey / ImportKey: round trips for RSA, EC, EdDSA and secret keys; CKA_EC_POINT forms; CRT computation;
// template errors with the CK_RV the specification names.
#include "mech_fixture.h"

namespace cf::p11::testing {
namespace {

Template FromAttributes(const std::vector<Attribute>& attrs) {
  Template t;
  for (const auto& a : attrs) t.Set(a.type, a.value);
  return t;
}

const Bytes* Find(const std::vector<Attribute>& attrs, CK_ATTRIBUTE_TYPE type) {
  for (const auto& a : attrs) {
    if (a.type == type) return &a.value;
  }
  return nullptr;
}

// Sign with `signer`, verify with `verifier` through mechanism m.
void ExpectSignVerify(CK_MECHANISM_TYPE m, const KeyMaterial& signer, const KeyMaterial& verifier) {
  Bytes data = Data(32);
  auto sig = RunOnce(OpKind::kSign, Mech(m), &signer, data);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_TRUE(Verify(Mech(m), &verifier, data, *sig).ok());
}

TEST(KeyAttributes, RsaPrivateRoundTripsAndPublicHasNoPrivateParts) {
  auto priv = DescribeKey(Rsa2048().private_key);
  auto pub = DescribeKey(Rsa2048().public_key);
  ASSERT_TRUE(priv.ok() && pub.ok());
  EXPECT_EQ(Find(*pub, CKA_PRIVATE_EXPONENT), nullptr);
  ASSERT_NE(Find(*pub, CKA_PUBLIC_KEY_INFO), nullptr);
  EXPECT_EQ(*Find(*pub, CKA_MODULUS), *Find(*priv, CKA_MODULUS));
  EXPECT_EQ(*Find(*pub, CKA_PUBLIC_EXPONENT), Hex("010001"));
  auto imported = ImportKey(CKO_PRIVATE_KEY, CKK_RSA, FromAttributes(*priv).Lookup());
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  ExpectSignVerify(CKM_SHA256_RSA_PKCS, *imported, Rsa2048().public_key);
  auto imported_pub = ImportKey(CKO_PUBLIC_KEY, CKK_RSA, FromAttributes(*pub).Lookup());
  ASSERT_TRUE(imported_pub.ok());
  ExpectSignVerify(CKM_SHA256_RSA_PKCS, Rsa2048().private_key, *imported_pub);
}

TEST(KeyAttributes, RsaImportComputesMissingCrtValuesAndRefusesWithoutPrimes) {
  auto priv = DescribeKey(Rsa2048().private_key).value();
  Template t = FromAttributes(priv);
  t.values.erase(CKA_EXPONENT_1);
  t.values.erase(CKA_EXPONENT_2);
  t.values.erase(CKA_COEFFICIENT);
  auto imported = ImportKey(CKO_PRIVATE_KEY, CKK_RSA, t.Lookup());
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  auto again = DescribeKey(*imported).value();
  EXPECT_EQ(*Find(again, CKA_COEFFICIENT), *Find(priv, CKA_COEFFICIENT));
  t.values.erase(CKA_PRIME_1);
  EXPECT_EQ(RvOf(ImportKey(CKO_PRIVATE_KEY, CKK_RSA, t.Lookup()).status()), CKR_TEMPLATE_INCOMPLETE);
}

TEST(KeyAttributes, RsaImportRejectsInconsistentComponents) {
  Template t = FromAttributes(DescribeKey(Rsa2048().private_key).value());
  t.values[CKA_PRIVATE_EXPONENT].back() ^= 2;
  EXPECT_EQ(RvOf(ImportKey(CKO_PRIVATE_KEY, CKK_RSA, t.Lookup()).status()), CKR_ATTRIBUTE_VALUE_INVALID);
  Template small;
  small.Set(CKA_MODULUS, Data(64)).Set(CKA_PUBLIC_EXPONENT, Hex("010001"));
  EXPECT_EQ(RvOf(ImportKey(CKO_PUBLIC_KEY, CKK_RSA, small.Lookup()).status()), CKR_KEY_SIZE_RANGE);
}

TEST(KeyAttributes, EcPointIsDerOctetStringAndRawIsAcceptedOnImport) {
  for (int bits : {256, 384, 521}) {
    auto pub = DescribeKey(EcKey(bits).public_key).value();
    const Bytes& point = *Find(pub, CKA_EC_POINT);
    size_t raw_len = 2 * (bits == 521 ? 66 : bits / 8) + 1;
    // DER length: one byte below 128, else 0x81 and one byte (P-521's 133-byte point).
    size_t header = raw_len < 128 ? 2 : 3;
    ASSERT_EQ(point.size(), raw_len + header);
    EXPECT_EQ(point[0], 0x04);
    if (header == 3) {
      EXPECT_EQ(point[1], 0x81);
    }
    EXPECT_EQ(point[header - 1], raw_len);
    EXPECT_EQ(point[header], 0x04);  // uncompressed
    EXPECT_EQ(*Find(pub, CKA_EC_PARAMS), CurveParams(bits));
    Template raw = FromAttributes(pub);
    raw.Set(CKA_EC_POINT, ByteView(point).subspan(header));
    auto imported = ImportKey(CKO_PUBLIC_KEY, CKK_EC, raw.Lookup());
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    ExpectSignVerify(CKM_ECDSA, EcKey(bits).private_key, *imported);
  }
}

TEST(KeyAttributes, EcPrivateImportDerivesPublicPointAndRejectsBadPoint) {
  auto priv = DescribeKey(EcKey(256).private_key).value();
  ASSERT_EQ(Find(priv, CKA_VALUE)->size(), 32u);
  auto imported = ImportKey(CKO_PRIVATE_KEY, CKK_EC, FromAttributes(priv).Lookup());
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  ExpectSignVerify(CKM_ECDSA, *imported, EcKey(256).public_key);
  Template bad = FromAttributes(DescribeKey(EcKey(256).public_key).value());
  bad.values[CKA_EC_POINT].back() ^= 1;  // off the curve
  EXPECT_EQ(RvOf(ImportKey(CKO_PUBLIC_KEY, CKK_EC, bad.Lookup()).status()), CKR_ATTRIBUTE_VALUE_INVALID);
  Template none;
  none.Set(CKA_EC_PARAMS, CurveParams(256));
  EXPECT_EQ(RvOf(ImportKey(CKO_PUBLIC_KEY, CKK_EC, none.Lookup()).status()), CKR_TEMPLATE_INCOMPLETE);
}

TEST(KeyAttributes, EdwardsKeysRoundTripWithDerOrRawPoint) {
  for (bool ed448 : {false, true}) {
    size_t n = ed448 ? 57 : 32;
    auto pub = DescribeKey(EdKey(ed448).public_key).value();
    const Bytes& point = *Find(pub, CKA_EC_POINT);
    ASSERT_EQ(point.size(), n + 2);
    EXPECT_EQ(point[0], 0x04);
    EXPECT_EQ(point[1], n);
    Template raw = FromAttributes(pub);
    raw.Set(CKA_EC_POINT, ByteView(point).subspan(2));
    auto imported_pub = ImportKey(CKO_PUBLIC_KEY, CKK_EC_EDWARDS, raw.Lookup());
    ASSERT_TRUE(imported_pub.ok()) << imported_pub.status().ToString();
    auto priv = DescribeKey(EdKey(ed448).private_key).value();
    auto imported = ImportKey(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, FromAttributes(priv).Lookup());
    ASSERT_TRUE(imported.ok());
    ExpectSignVerify(CKM_EDDSA, *imported, *imported_pub);
  }
}

TEST(KeyAttributes, SecretKeysCarryValueAndLengthAndAesSizesAreChecked) {
  Template t;
  t.Set(CKA_VALUE, Data(32));
  auto key = ImportKey(CKO_SECRET_KEY, CKK_AES, t.Lookup());
  ASSERT_TRUE(key.ok());
  auto attrs = DescribeKey(*key).value();
  EXPECT_EQ(*Find(attrs, CKA_VALUE), Data(32));
  EXPECT_EQ(Find(attrs, CKA_VALUE_LEN)->size(), sizeof(CK_ULONG));
  Template odd;
  odd.Set(CKA_VALUE, Data(20));
  EXPECT_EQ(RvOf(ImportKey(CKO_SECRET_KEY, CKK_AES, odd.Lookup()).status()), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_TRUE(ImportKey(CKO_SECRET_KEY, CKK_GENERIC_SECRET, odd.Lookup()).ok());
  odd.Ulong(CKA_VALUE_LEN, 21);
  EXPECT_EQ(RvOf(ImportKey(CKO_SECRET_KEY, CKK_GENERIC_SECRET, odd.Lookup()).status()), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(RvOf(ImportKey(CKO_SECRET_KEY, CKK_AES, Template().Lookup()).status()), CKR_TEMPLATE_INCOMPLETE);
}

}  // namespace
}  // namespace cf::p11::testing
