// Operation::OneShotInto, the single-part path that writes into the caller's buffer (issue 7): it must give the
// bytes OneShot gives for AES-GCM/CBC/CTR and HMAC (full and truncated), and a failed decryption must leave no
// plaintext in the caller's buffer.
#include <algorithm>

#include "mech_fixture.h"

namespace cf::p11::testing {
namespace {

KeyMaterial Secret(CK_KEY_TYPE type, size_t len) {
  Bytes k = Data(len, 7);
  return KeyMaterial{.object_class = CKO_SECRET_KEY,
                     .key_type = type,
                     .secret = std::make_shared<const SecureBytes>(k.begin(), k.end())};
}

// Runs a fresh operation's OneShotInto over a buffer of exactly MaxOutputLength bytes filled with 0xAA.
Result<Bytes> RunInto(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key, ByteView input, Bytes* buffer) {
  CF_ASSIGN_OR_RETURN(auto op, Start(kind, m, key));
  EXPECT_TRUE(op->one_shot_into());
  buffer->assign(op->MaxOutputLength(input.size()), 0xAA);
  CF_ASSIGN_OR_RETURN(size_t n, op->OneShotInto(input, std::span<uint8_t>(buffer->data(), buffer->size())));
  EXPECT_LE(n, buffer->size());
  return Bytes(buffer->begin(), buffer->begin() + static_cast<std::ptrdiff_t>(n));
}

TEST(OneShotInto, AesModesGiveTheSameBytesAsOneShotAndRoundTrip) {
  KeyMaterial k = Secret(CKK_AES, 32);
  Bytes iv = Data(16, 3);
  CK_AES_CTR_PARAMS ctr{128, {}};
  CK_GCM_PARAMS gcm{iv.data(), 12, 96, iv.data(), 5, 128};
  std::vector<CK_MECHANISM> mechs = {Mech(CKM_AES_CBC, iv.data(), 16), Mech(CKM_AES_CBC_PAD, iv.data(), 16),
                                     Mech(CKM_AES_CTR, &ctr, sizeof(ctr)), Mech(CKM_AES_GCM, &gcm, sizeof(gcm))};
  for (const auto& m : mechs) {
    for (size_t n : {16, 32, 1024, 4096}) {
      Bytes pt = Data(n);
      Bytes buffer;
      auto ct = RunInto(OpKind::kEncrypt, m, &k, pt, &buffer);
      ASSERT_TRUE(ct.ok()) << m.mechanism << " " << n << " " << ct.status().ToString();
      EXPECT_EQ(*ct, RunOnce(OpKind::kEncrypt, m, &k, pt).value()) << m.mechanism << " " << n;
      auto back = RunInto(OpKind::kDecrypt, m, &k, *ct, &buffer);
      ASSERT_TRUE(back.ok()) << m.mechanism << " " << n;
      EXPECT_EQ(*back, pt) << m.mechanism << " " << n;
    }
  }
}

TEST(OneShotInto, GcmBadTagWipesTheCallersBuffer) {
  KeyMaterial k = Secret(CKK_AES, 16);
  Bytes iv = Data(12);
  CK_GCM_PARAMS p{iv.data(), 12, 96, nullptr, 0, 128};
  CK_MECHANISM m = Mech(CKM_AES_GCM, &p, sizeof(p));
  Bytes pt = Data(100, 5);
  Bytes ct = RunOnce(OpKind::kEncrypt, m, &k, pt).value();
  ct.back() ^= 1;
  Bytes buffer;
  EXPECT_EQ(RvOf(RunInto(OpKind::kDecrypt, m, &k, ct, &buffer).status()), CKR_ENCRYPTED_DATA_INVALID);
  ASSERT_GE(buffer.size(), pt.size());
  // GCM decrypts before the tag is known: what it wrote must be gone, not the plaintext.
  EXPECT_TRUE(std::search(buffer.begin(), buffer.end(), pt.begin(), pt.begin() + 16) == buffer.end());
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.begin() + 100, [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(RvOf(RunInto(OpKind::kDecrypt, m, &k, Data(15), &buffer).status()), CKR_ENCRYPTED_DATA_LEN_RANGE);
}

TEST(OneShotInto, CbcPadBadPaddingWipesTheCallersBuffer) {
  KeyMaterial k = Secret(CKK_AES, 16);
  Bytes iv = Data(16);
  Bytes ct = RunOnce(OpKind::kEncrypt, Mech(CKM_AES_CBC, iv.data(), 16), &k, Data(64, 9)).value();  // no padding
  Bytes buffer;
  EXPECT_EQ(RvOf(RunInto(OpKind::kDecrypt, Mech(CKM_AES_CBC_PAD, iv.data(), 16), &k, ct, &buffer).status()),
            CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(RvOf(RunInto(OpKind::kEncrypt, Mech(CKM_AES_CBC, iv.data(), 16), &k, Data(17), &buffer).status()),
            CKR_DATA_LEN_RANGE);
}

TEST(OneShotInto, HmacFullAndTruncatedEqualOneShotAndVerify) {
  KeyMaterial k = Secret(CKK_GENERIC_SECRET, 32);
  Bytes data = Data(1024);
  CK_ULONG len = 10;
  for (const CK_MECHANISM& m : {Mech(CKM_SHA256_HMAC), Mech(CKM_SHA256_HMAC_GENERAL, &len, sizeof(len))}) {
    Bytes buffer;
    auto mac = RunInto(OpKind::kSign, m, &k, data, &buffer);
    ASSERT_TRUE(mac.ok()) << m.mechanism;
    EXPECT_EQ(mac->size(), m.mechanism == CKM_SHA256_HMAC ? 32u : 10u);
    EXPECT_EQ(*mac, RunOnce(OpKind::kSign, m, &k, data).value());
    EXPECT_TRUE(Verify(m, &k, data, *mac).ok());
  }
  auto verify = Start(OpKind::kVerify, Mech(CKM_SHA256_HMAC), &k).value();
  EXPECT_FALSE(verify->one_shot_into());  // C_Verify keeps its own path
}

}  // namespace
}  // namespace cf::p11::testing
