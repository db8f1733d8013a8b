// AES family: SP 800-38A CBC/CTR, GCM spec test cases 2 and 4, RFC 4493 CMAC, RFC 3394 / RFC 5649 key wrap;
// multi-part equals single-part; GCM tampering releases nothing; parameter and length errors.
#include "mech_fixture.h"

namespace cf::p11::testing {
namespace {

KeyMaterial Aes(std::string_view hex) {
  Bytes k = Hex(hex);
  return KeyMaterial{.object_class = CKO_SECRET_KEY,
                     .key_type = CKK_AES,
                     .secret = std::make_shared<const SecureBytes>(k.begin(), k.end())};
}

const char* kKey128 = "2b7e151628aed2a6abf7158809cf4f3c";
const char* kBlock1 = "6bc1bee22e409f96e93d7e117393172a";

TEST(Aes, CbcAndCtrMatchSp80038aVectors) {
  KeyMaterial k = Aes(kKey128);
  Bytes iv = Hex("000102030405060708090a0b0c0d0e0f");
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kEncrypt, Mech(CKM_AES_CBC, iv.data(), 16), &k, Hex(kBlock1)).value()),
            "7649abac8119b246cee98e9b12e9197d");
  CK_AES_CTR_PARAMS ctr{128, {}};
  Bytes cb = Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  memcpy(ctr.cb, cb.data(), 16);
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kEncrypt, Mech(CKM_AES_CTR, &ctr, sizeof(ctr)), &k, Hex(kBlock1)).value()),
            "874d6191b620e3261bef6864990db6ce");
}

TEST(Aes, CbcPadAndCtrRoundTripMultiPartEqualsSinglePart) {
  KeyMaterial k = Aes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  Bytes iv = Data(16, 9);
  CK_AES_CTR_PARAMS ctr{32, {}};
  std::vector<CK_MECHANISM> mechs = {Mech(CKM_AES_CBC_PAD, iv.data(), 16), Mech(CKM_AES_CTR, &ctr, sizeof(ctr))};
  for (const auto& m : mechs) {
    for (size_t n : {0, 1, 15, 16, 17, 100}) {
      if (m.mechanism == CKM_AES_CTR && n == 0) continue;
      Bytes pt = Data(n);
      auto one = RunOnce(OpKind::kEncrypt, m, &k, pt);
      auto parts = RunParts(OpKind::kEncrypt, m, &k, pt, 7);
      ASSERT_TRUE(one.ok() && parts.ok()) << m.mechanism << " " << n;
      EXPECT_EQ(*one, *parts);
      EXPECT_EQ(RunParts(OpKind::kDecrypt, m, &k, *one, 5).value(), pt) << m.mechanism << " " << n;
    }
  }
}

TEST(Aes, CbcRejectsPartialBlocksAndBadPaddingAndBadIv) {
  KeyMaterial k = Aes(kKey128);
  Bytes iv = Data(16);
  EXPECT_EQ(RvOf(RunOnce(OpKind::kEncrypt, Mech(CKM_AES_CBC, iv.data(), 16), &k, Data(17)).status()),
            CKR_DATA_LEN_RANGE);
  EXPECT_EQ(RvOf(RunOnce(OpKind::kDecrypt, Mech(CKM_AES_CBC_PAD, iv.data(), 16), &k, Data(17)).status()),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
  Bytes ct = RunOnce(OpKind::kEncrypt, Mech(CKM_AES_CBC, iv.data(), 16), &k, Data(32)).value();  // no PKCS#7 tail
  EXPECT_EQ(RvOf(RunOnce(OpKind::kDecrypt, Mech(CKM_AES_CBC_PAD, iv.data(), 16), &k, ct).status()),
            CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_EQ(RvOf(Start(OpKind::kEncrypt, Mech(CKM_AES_CBC, iv.data(), 8), &k).status()), CKR_MECHANISM_PARAM_INVALID);
}

TEST(Aes, CtrRefusesToWrapTheCounterBits) {
  KeyMaterial k = Aes(kKey128);
  CK_AES_CTR_PARAMS ctr{8, {}};
  ctr.cb[15] = 0xfe;  // two blocks left before the 8-bit counter wraps
  EXPECT_TRUE(RunOnce(OpKind::kEncrypt, Mech(CKM_AES_CTR, &ctr, sizeof(ctr)), &k, Data(32)).ok());
  EXPECT_EQ(RvOf(RunOnce(OpKind::kEncrypt, Mech(CKM_AES_CTR, &ctr, sizeof(ctr)), &k, Data(33)).status()),
            CKR_DATA_LEN_RANGE);
  CK_AES_CTR_PARAMS bad{0, {}};
  EXPECT_EQ(RvOf(Start(OpKind::kEncrypt, Mech(CKM_AES_CTR, &bad, sizeof(bad)), &k).status()),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST(AesGcm, MatchesGcmSpecTestCases2And4) {
  KeyMaterial zero = Aes("00000000000000000000000000000000");
  Bytes iv0(12, 0);
  CK_GCM_PARAMS p0{iv0.data(), 12, 96, nullptr, 0, 128};
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kEncrypt, Mech(CKM_AES_GCM, &p0, sizeof(p0)), &zero, Bytes(16, 0)).value()),
            "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
  KeyMaterial k = Aes("feffe9928665731c6d6a8f9467308308");
  Bytes iv = Hex("cafebabefacedbaddecaf888");
  Bytes aad = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  Bytes pt =
      Hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
          "b16aedf5aa0de657ba637b39");
  CK_GCM_PARAMS p{iv.data(), 12, 96, aad.data(), aad.size(), 128};
  CK_MECHANISM m = Mech(CKM_AES_GCM, &p, sizeof(p));
  Bytes ct = RunParts(OpKind::kEncrypt, m, &k, pt, 13).value();
  EXPECT_EQ(HexEncode(ct),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5a"
            "ac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47");
  EXPECT_EQ(RunParts(OpKind::kDecrypt, m, &k, ct, 10).value(), pt);
}

TEST(AesGcm, TamperedTagOrAadReleasesNoPlaintext) {
  KeyMaterial k = Aes(kKey128);
  Bytes iv = Data(12);
  Bytes aad = ToBytes("header");
  CK_GCM_PARAMS p{iv.data(), 12, 96, aad.data(), aad.size(), 96};
  CK_MECHANISM m = Mech(CKM_AES_GCM, &p, sizeof(p));
  Bytes ct = RunOnce(OpKind::kEncrypt, m, &k, Data(50)).value();
  ASSERT_EQ(ct.size(), 50u + 12);
  ct.back() ^= 1;
  auto op = Start(OpKind::kDecrypt, m, &k).value();
  SecureBytes out;
  ASSERT_TRUE(op->Update(ct, &out).ok());
  EXPECT_TRUE(out.empty());  // nothing before the tag is checked
  EXPECT_EQ(RvOf(op->Final(&out)), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(RvOf(RunOnce(OpKind::kDecrypt, m, &k, Data(11)).status()), CKR_ENCRYPTED_DATA_LEN_RANGE);
}

TEST(AesGcm, RejectsBadParameters) {
  KeyMaterial k = Aes(kKey128);
  Bytes iv = Data(12);
  for (CK_ULONG tag : {0ul, 8ul, 100ul, 136ul}) {
    CK_GCM_PARAMS p{iv.data(), 12, 96, nullptr, 0, tag};
    EXPECT_EQ(RvOf(Start(OpKind::kEncrypt, Mech(CKM_AES_GCM, &p, sizeof(p)), &k).status()), CKR_MECHANISM_PARAM_INVALID)
        << tag;
  }
  CK_GCM_PARAMS no_iv{iv.data(), 0, 0, nullptr, 0, 128};
  EXPECT_EQ(RvOf(Start(OpKind::kEncrypt, Mech(CKM_AES_GCM, &no_iv, sizeof(no_iv)), &k).status()),
            CKR_MECHANISM_PARAM_INVALID);
  CK_GCM_PARAMS long_iv{iv.data(), 64, 512, nullptr, 0, 32};  // long IVs are legal (GHASHed)
  Bytes iv64 = Data(64);
  long_iv.pIv = iv64.data();
  EXPECT_TRUE(RunOnce(OpKind::kEncrypt, Mech(CKM_AES_GCM, &long_iv, sizeof(long_iv)), &k, Data(3)).ok());
}

TEST(AesCmac, MatchesRfc4493AndVerifiesInConstantTime) {
  KeyMaterial k = Aes(kKey128);
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kSign, Mech(CKM_AES_CMAC), &k, {}).value()), "bb1d6929e95937287fa37d129b756746");
  Bytes tag = RunOnce(OpKind::kSign, Mech(CKM_AES_CMAC), &k, Hex(kBlock1)).value();
  EXPECT_EQ(HexEncode(tag), "070a16b46b4d4144f79bdd9dd04a287c");
  EXPECT_TRUE(Verify(Mech(CKM_AES_CMAC), &k, Hex(kBlock1), tag).ok());
  tag[15] ^= 1;
  EXPECT_EQ(RvOf(Verify(Mech(CKM_AES_CMAC), &k, Hex(kBlock1), tag)), CKR_SIGNATURE_INVALID);
  CK_ULONG len = 8;
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kSign, Mech(CKM_AES_CMAC_GENERAL, &len, sizeof(len)), &k, Hex(kBlock1)).value()),
            "070a16b46b4d4144");
}

TEST(AesWrap, MatchesRfc3394AndRfc5649) {
  KeyMaterial kek = Aes("000102030405060708090a0b0c0d0e0f");
  Bytes wrapped = RunOnce(OpKind::kWrap, Mech(CKM_AES_KEY_WRAP), &kek, Hex("00112233445566778899aabbccddeeff")).value();
  EXPECT_EQ(HexEncode(wrapped), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kUnwrap, Mech(CKM_AES_KEY_WRAP), &kek, wrapped).value()),
            "00112233445566778899aabbccddeeff");
  KeyMaterial kek2 = Aes("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kWrap, Mech(CKM_AES_KEY_WRAP_KWP), &kek2, Hex("466f7250617369")).value()),
            "afbeb0f07dfbf5419200f2ccb50bb24f");
  Bytes w20 = RunOnce(OpKind::kWrap, Mech(CKM_AES_KEY_WRAP_KWP), &kek2, Hex("c37b7e6492584340bed12207808941155068f738"))
                  .value();
  EXPECT_EQ(HexEncode(w20), "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
  EXPECT_EQ(HexEncode(RunOnce(OpKind::kUnwrap, Mech(CKM_AES_KEY_WRAP_KWP), &kek2, w20).value()),
            "c37b7e6492584340bed12207808941155068f738");
}

TEST(AesWrap, RejectsBadLengthsAndDamagedData) {
  KeyMaterial kek = Aes(kKey128);
  EXPECT_EQ(RvOf(RunOnce(OpKind::kWrap, Mech(CKM_AES_KEY_WRAP), &kek, Data(20)).status()), CKR_DATA_LEN_RANGE);
  Bytes w = RunOnce(OpKind::kWrap, Mech(CKM_AES_KEY_WRAP), &kek, Data(32)).value();
  w[3] ^= 1;
  EXPECT_EQ(RvOf(RunOnce(OpKind::kUnwrap, Mech(CKM_AES_KEY_WRAP), &kek, w).status()), CKR_WRAPPED_KEY_INVALID);
  EXPECT_EQ(RvOf(RunOnce(OpKind::kDecrypt, Mech(CKM_AES_KEY_WRAP), &kek, w).status()), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_EQ(RvOf(RunOnce(OpKind::kUnwrap, Mech(CKM_AES_KEY_WRAP), &kek, Data(12)).status()), CKR_WRAPPED_KEY_LEN_RANGE);
  uint8_t iv[3] = {};
  EXPECT_EQ(RvOf(Start(OpKind::kWrap, Mech(CKM_AES_KEY_WRAP_KWP, iv, 3), &kek).status()), CKR_MECHANISM_PARAM_INVALID);
}

TEST(Aes, KeyGenerationAndKeyChecks) {
  CK_MECHANISM m = Mech(CKM_AES_KEY_GEN);
  for (CK_ULONG n : {16ul, 24ul, 32ul}) {
    Template t;
    t.Ulong(CKA_VALUE_LEN, n);
    auto key = Row(m.mechanism).generate_key(m, t.Lookup());
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->secret->size(), n);
    EXPECT_EQ(key->key_type, CKK_AES);
  }
  Template bad;
  bad.Ulong(CKA_VALUE_LEN, 20);
  EXPECT_EQ(RvOf(Row(m.mechanism).generate_key(m, bad.Lookup()).status()), CKR_KEY_SIZE_RANGE);
  Bytes iv = Data(16);
  KeyMaterial generic{.object_class = CKO_SECRET_KEY,
                      .key_type = CKK_GENERIC_SECRET,
                      .secret = std::make_shared<const SecureBytes>(16, 1)};
  EXPECT_EQ(RvOf(Start(OpKind::kEncrypt, Mech(CKM_AES_CBC, iv.data(), 16), &generic).status()),
            CKR_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace cf::p11::testing
