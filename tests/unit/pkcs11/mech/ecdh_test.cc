// CKM_ECDH1_DERIVE: both sides agree with raw and DER peer points, OpenSSL agrees, bad points and KDFs refused.
#include "common/ossl.h"
#include "mech_fixture.h"

namespace cf::p11::testing {
namespace {

Bytes PointOf(const KeyMaterial& k) {
  std::vector<Attribute> attrs = DescribeKey(k).value();  // a named copy: value() of a temporary would dangle
  for (const auto& a : attrs) {
    if (a.type == CKA_EC_POINT) return a.value;
  }
  return {};
}

TEST(Ecdh, BothSidesDeriveTheSameSecretWithDerOrRawPeerPoint) {
  CK_MECHANISM gen = Mech(CKM_EC_KEY_PAIR_GEN);
  Template t;
  t.Set(CKA_EC_PARAMS, CurveParams(384));
  auto other = Row(CKM_EC_KEY_PAIR_GEN).generate_key_pair(gen, t.Lookup(), Template().Lookup()).value();
  const auto& mine = EcKey(384);
  Bytes their_der = PointOf(other.public_key);
  Bytes my_raw = PointOf(mine.public_key);
  my_raw.erase(my_raw.begin(), my_raw.begin() + 2);
  CK_ECDH1_DERIVE_PARAMS p1{CKD_NULL, 0, nullptr, their_der.size(), their_der.data()};
  CK_ECDH1_DERIVE_PARAMS p2{CKD_NULL, 0, nullptr, my_raw.size(), my_raw.data()};
  auto derive = Row(CKM_ECDH1_DERIVE).derive;
  auto a = derive(Mech(CKM_ECDH1_DERIVE, &p1, sizeof(p1)), mine.private_key, DeriveContext{});
  auto b = derive(Mech(CKM_ECDH1_DERIVE, &p2, sizeof(p2)), other.private_key, DeriveContext{});
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << b.status().ToString();
  EXPECT_EQ(a->size(), 48u);
  EXPECT_EQ(*a, *b);
  // Plain OpenSSL agrees.
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, mine.private_key.pkey.get(), nullptr));
  ASSERT_EQ(EVP_PKEY_derive_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_derive_set_peer(ctx.get(), other.public_key.pkey.get()), 1);
  Bytes z(48);
  size_t len = z.size();
  ASSERT_EQ(EVP_PKEY_derive(ctx.get(), z.data(), &len), 1);
  EXPECT_EQ(z, Bytes(a->begin(), a->end()));
}

TEST(Ecdh, Sha256KdfIsX963OverTheSharedSecretAndSharedInfo) {
  const auto& mine = EcKey(256);
  Bytes point = PointOf(mine.public_key);  // deriving with our own public key: Z = d*(d*G), fine for a KAT
  uint8_t info[] = {'c', 'f'};
  CK_ECDH1_DERIVE_PARAMS null_kdf{CKD_NULL, 0, nullptr, point.size(), point.data()};
  CK_ECDH1_DERIVE_PARAMS sha{CKD_SHA256_KDF, sizeof(info), info, point.size(), point.data()};
  auto derive = Row(CKM_ECDH1_DERIVE).derive;
  SecureBytes z =
      derive(Mech(CKM_ECDH1_DERIVE, &null_kdf, sizeof(null_kdf)), mine.private_key, DeriveContext{}).value();
  SecureBytes k = derive(Mech(CKM_ECDH1_DERIVE, &sha, sizeof(sha)), mine.private_key, DeriveContext{}).value();
  ASSERT_EQ(k.size(), 64u);
  // X9.63: block i = SHA-256(Z || counter_i (32-bit big-endian, from 1) || SharedInfo).
  for (uint8_t counter : {1, 2}) {
    Bytes in(z.begin(), z.end());
    in.insert(in.end(), {0, 0, 0, counter, 'c', 'f'});
    Bytes block = RunOnce(OpKind::kDigest, Mech(CKM_SHA256), nullptr, in).value();
    EXPECT_EQ(Bytes(k.begin() + 32 * (counter - 1), k.begin() + 32 * counter), block);
  }
}

TEST(Ecdh, RefusesOffCurvePointKdfsAndPublicBaseKey) {
  const auto& mine = EcKey(256);
  Bytes point = PointOf(mine.public_key);
  point.back() ^= 1;
  CK_ECDH1_DERIVE_PARAMS off{CKD_NULL, 0, nullptr, point.size(), point.data()};
  auto derive = Row(CKM_ECDH1_DERIVE).derive;
  EXPECT_EQ(RvOf(derive(Mech(CKM_ECDH1_DERIVE, &off, sizeof(off)), mine.private_key, DeriveContext{}).status()),
            CKR_MECHANISM_PARAM_INVALID);
  Bytes good = PointOf(mine.public_key);
  CK_ECDH1_DERIVE_PARAMS kdf{CKD_SHA1_KDF_ASN1, 0, nullptr, good.size(), good.data()};
  EXPECT_EQ(RvOf(derive(Mech(CKM_ECDH1_DERIVE, &kdf, sizeof(kdf)), mine.private_key, DeriveContext{}).status()),
            CKR_MECHANISM_PARAM_INVALID);
  uint8_t info[] = {1, 2, 3};
  CK_ECDH1_DERIVE_PARAMS null_with_info{CKD_NULL, sizeof(info), info, good.size(), good.data()};
  EXPECT_EQ(
      RvOf(derive(Mech(CKM_ECDH1_DERIVE, &null_with_info, sizeof(null_with_info)), mine.private_key, DeriveContext{})
               .status()),
      CKR_MECHANISM_PARAM_INVALID);
  CK_ECDH1_DERIVE_PARAMS ok{CKD_NULL, 0, nullptr, good.size(), good.data()};
  EXPECT_EQ(RvOf(derive(Mech(CKM_ECDH1_DERIVE, &ok, sizeof(ok)), mine.public_key, DeriveContext{}).status()),
            CKR_KEY_FUNCTION_NOT_PERMITTED);
  // A P-384 point against a P-256 key.
  Bytes p384 = PointOf(EcKey(384).public_key);
  CK_ECDH1_DERIVE_PARAMS mixed{CKD_NULL, 0, nullptr, p384.size(), p384.data()};
  EXPECT_EQ(RvOf(derive(Mech(CKM_ECDH1_DERIVE, &mixed, sizeof(mixed)), mine.private_key, DeriveContext{}).status()),
            CKR_MECHANISM_PARAM_INVALID);
}

}  // namespace
}  // namespace cf::p11::testing
