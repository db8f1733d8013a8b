// Digest and HMAC families: FIPS 180 / FIPS 202 "abc" vectors, RFC 4231 HMAC vectors, multi-part equals single-
// part, _GENERAL truncation, constant-time verify answers, generic secret generation limits.
#include "mech_fixture.h"

namespace cf::p11::testing {
namespace {

TEST(Digest, KnownAnswersForAbc) {
  struct Case {
    CK_MECHANISM_TYPE m;
    const char* hex;
  } cases[] = {
      {CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {CKM_SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
      {CKM_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {CKM_SHA384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
      {CKM_SHA512,
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
       "454d4423643ce80e2a9ac94fa54ca49f"},
      {CKM_SHA3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
      {CKM_SHA3_224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"},
  };
  for (const auto& c : cases) {
    auto d = RunOnce(OpKind::kDigest, Mech(c.m), nullptr, AsBytes("abc"));
    ASSERT_TRUE(d.ok()) << c.m;
    EXPECT_EQ(HexEncode(*d), c.hex) << c.m;
  }
}

TEST(Digest, MultiPartEqualsSinglePartForEveryHash) {
  for (CK_MECHANISM_TYPE m : {CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512, CKM_SHA3_224, CKM_SHA3_256,
                              CKM_SHA3_384, CKM_SHA3_512}) {
    Bytes data = Data(1000);
    EXPECT_EQ(RunOnce(OpKind::kDigest, Mech(m), nullptr, data).value(),
              RunParts(OpKind::kDigest, Mech(m), nullptr, data, 333).value())
        << m;
  }
  EXPECT_EQ(RvOf(Start(OpKind::kDigest, Mech(CKM_SHA256, (void*)"x", 1), nullptr).status()),
            CKR_MECHANISM_PARAM_INVALID);
}

KeyMaterial Secret(ByteView value) {
  return KeyMaterial{.object_class = CKO_SECRET_KEY,
                     .key_type = CKK_GENERIC_SECRET,
                     .secret = std::make_shared<const SecureBytes>(value.begin(), value.end())};
}

TEST(Hmac, Rfc4231TestCases1And2) {
  KeyMaterial k1 = Secret(Bytes(20, 0x0b));
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kSign, Mech(CKM_SHA256_HMAC), &k1, AsBytes("Hi There")).value()),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kSign, Mech(CKM_SHA512_HMAC), &k1, AsBytes("Hi There")).value()),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914"
            "eeb61f1702e696c203a126854");
  KeyMaterial k2 = Secret(AsBytes("Jefe"));
  Bytes msg = ToBytes("what do ya want for nothing?");
  EXPECT_EQ(HexEncode(RunParts(OpKind::kSign, Mech(CKM_SHA256_HMAC), &k2, msg, 5).value()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kSign, Mech(CKM_SHA224_HMAC), &k2, msg).value()),
            "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44");
}

TEST(Hmac, VerifyAcceptsOwnTagAndRejectsChangedOrShortTag) {
  KeyMaterial k = Secret(Data(32));
  for (CK_MECHANISM_TYPE m : {CKM_SHA_1_HMAC, CKM_SHA384_HMAC, CKM_SHA3_256_HMAC, CKM_SHA3_512_HMAC}) {
    Bytes tag = RunOnce(OpKind::kSign, Mech(m), &k, Data(77)).value();
    EXPECT_TRUE(Verify(Mech(m), &k, Data(77), tag).ok()) << m;
    tag[0] ^= 1;
    EXPECT_EQ(RvOf(Verify(Mech(m), &k, Data(77), tag)), CKR_SIGNATURE_INVALID) << m;
    tag.pop_back();
    EXPECT_EQ(RvOf(Verify(Mech(m), &k, Data(77), tag)), CKR_SIGNATURE_LEN_RANGE) << m;
  }
}

TEST(Hmac, GeneralTruncatesAndChecksLength) {
  KeyMaterial k = Secret(Data(32));
  CK_ULONG len = 12;
  Bytes full = RunOnce(OpKind::kSign, Mech(CKM_SHA256_HMAC), &k, Data(10)).value();
  Bytes cut = RunOnce(OpKind::kSign, Mech(CKM_SHA256_HMAC_GENERAL, &len, sizeof(len)), &k, Data(10)).value();
  EXPECT_EQ(cut, Bytes(full.begin(), full.begin() + 12));
  EXPECT_TRUE(Verify(Mech(CKM_SHA256_HMAC_GENERAL, &len, sizeof(len)), &k, Data(10), cut).ok());
  CK_ULONG too_long = 33;
  EXPECT_EQ(RvOf(Start(OpKind::kSign, Mech(CKM_SHA256_HMAC_GENERAL, &too_long, sizeof(too_long)), &k).status()),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST(Hmac, RejectsAesKeyAndGeneratesGenericSecretOfRequestedLength) {
  KeyMaterial aes{
      .object_class = CKO_SECRET_KEY, .key_type = CKK_AES, .secret = std::make_shared<const SecureBytes>(16, 1)};
  EXPECT_EQ(RvOf(Start(OpKind::kSign, Mech(CKM_SHA256_HMAC), &aes).status()), CKR_KEY_TYPE_INCONSISTENT);
  CK_MECHANISM m = Mech(CKM_GENERIC_SECRET_KEY_GEN);
  Template t;
  t.Ulong(CKA_VALUE_LEN, 48);
  auto key = Row(m.mechanism).generate_key(m, t.Lookup());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->secret->size(), 48u);
  EXPECT_EQ(key->key_type, CKK_GENERIC_SECRET);
  EXPECT_EQ(RvOf(Row(m.mechanism).generate_key(m, Template().Lookup()).status()), CKR_TEMPLATE_INCOMPLETE);
  t.Ulong(CKA_VALUE_LEN, 4);
  EXPECT_EQ(RvOf(Row(m.mechanism).generate_key(m, t.Lookup()).status()), CKR_KEY_SIZE_RANGE);
}

}  // namespace
}  // namespace cf::p11::testing
