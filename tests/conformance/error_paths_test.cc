// Error paths that cut across function groups: PIN length and SO PIN checks (PKCS#11 3.0 section 5.5), signature
// and ciphertext lengths (sections 5.10, 5.15), null output-length pointers, and parallel sessions used from
// several threads at once (section 2.6: one application, many sessions, CKF_OS_LOCKING_OK).
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class ErrorPathsTest : public P11Test {};

TEST_P(ErrorPathsTest, SetPinRefusesPinsOutsideTheTokenRange) {
  CK_TOKEN_INFO info{};
  ASSERT_EQ(f_->C_GetTokenInfo(slot_, &info), CKR_OK);
  if (info.ulMinPinLen <= 1) GTEST_SKIP() << m_->name << " accepts PINs of any length (ulMinPinLen 0 or 1)";
  CK_SESSION_HANDLE s = UserSession();
  std::string too_short(info.ulMinPinLen - 1, '7');
  // Section 5.5 (C_SetPIN): a new PIN outside ulMinPinLen..ulMaxPinLen is CKR_PIN_LEN_RANGE.
  EXPECT_EQ(f_->C_SetPIN(s, Pin(kUserPin), 8, Pin(too_short.c_str()), too_short.size()), CKR_PIN_LEN_RANGE);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK) << "the refused C_SetPIN must leave the old PIN in place";
}

TEST_P(ErrorPathsTest, InitTokenWithWrongSoPinIsRefusedAndChangesNothing) {
  CK_UTF8CHAR label[32];
  std::memset(label, ' ', sizeof(label));
  std::memcpy(label, "conformance-wrong", 17);
  EXPECT_EQ(f_->C_InitToken(slot_, Pin("99999999"), 8, label), CKR_PIN_INCORRECT);
  CK_TOKEN_INFO info{};
  ASSERT_EQ(f_->C_GetTokenInfo(m_->slot, &info), CKR_OK);
  EXPECT_EQ(std::memcmp(info.label, "conformance ", 12), 0) << "the token was relabelled by a refused C_InitToken";
  // A right SO login clears the failure counter again for the rest of the suite.
  CK_SESSION_HANDLE s = OpenSession(true);
  EXPECT_EQ(Login(s, CKU_SO, kSoPin), CKR_OK);
  EXPECT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK) << "the user's data must have survived";
}

TEST_P(ErrorPathsTest, VerifyRejectsASignatureOfTheWrongLength) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "ec", &pub, &priv));
  CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
  Bytes hash(32, 0x44), sig(63, 0x01);
  ASSERT_EQ(f_->C_VerifyInit(s, &ecdsa, pub), CKR_OK);
  // Section 5.15 (C_Verify): a signature invalid only because of its length is CKR_SIGNATURE_LEN_RANGE.
  CK_RV rv = f_->C_Verify(s, hash.data(), hash.size(), sig.data(), sig.size());
  ExpectRv(rv, CKR_SIGNATURE_LEN_RANGE, CKR_SIGNATURE_INVALID, "a 63-byte P-256 signature is SIGNATURE_INVALID");
  EXPECT_EQ(f_->C_Verify(s, hash.data(), hash.size(), sig.data(), sig.size()), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_P(ErrorPathsTest, RsaDecryptRejectsCiphertextOfTheWrongLength) {
  CF_REQUIRE_MECHANISM(CKM_RSA_PKCS);
  CK_MECHANISM_INFO info{};
  ASSERT_EQ(f_->C_GetMechanismInfo(slot_, CKM_RSA_PKCS, &info), CKR_OK);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "rsa", &pub, &priv));
  CK_MECHANISM mech{CKM_RSA_PKCS, nullptr, 0};
  // Ours offers PKCS#1 v1.5 decryption only when configured (a padding oracle): the same rule through OAEP.
  CK_RSA_PKCS_OAEP_PARAMS oaep{CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  if (!(info.flags & CKF_DECRYPT)) mech = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
  ASSERT_EQ(f_->C_DecryptInit(s, &mech, priv), CKR_OK);
  Bytes cipher(100, 0x01), out(256);
  CK_ULONG len = out.size();
  // Section 5.10 (C_Decrypt): ciphertext of a length the mechanism cannot have is CKR_ENCRYPTED_DATA_LEN_RANGE.
  ExpectRv(f_->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len), CKR_ENCRYPTED_DATA_LEN_RANGE,
           CKR_GENERAL_ERROR, "a 100-byte RSA-2048 ciphertext is CKR_GENERAL_ERROR");
}

TEST_P(ErrorPathsTest, NullOutputLengthPointersAreArgumentsBad) {
  CK_SESSION_HANDLE s = UserSession();
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  Bytes data(8, 1);
  CK_BYTE out[64];
  ASSERT_EQ(f_->C_DigestInit(s, &sha), CKR_OK);
  EXPECT_EQ(f_->C_Digest(s, data.data(), data.size(), out, nullptr), CKR_ARGUMENTS_BAD);
  // Each check in its own session: SoftHSM allows one active operation per session whatever its kind.
  CK_SESSION_HANDLE s2 = OpenSession(true);
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s2, "ec", &pub, &priv));
  CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
  ASSERT_EQ(f_->C_SignInit(s2, &ecdsa, priv), CKR_OK);
  EXPECT_EQ(f_->C_Sign(s2, data.data(), data.size(), out, nullptr), CKR_ARGUMENTS_BAD);
  CK_SESSION_HANDLE s3 = OpenSession(true);
  CK_OBJECT_HANDLE key = MakeAesKey(s3);
  CK_BYTE iv[16] = {};
  CK_MECHANISM cbc{CKM_AES_CBC_PAD, iv, sizeof(iv)};
  ASSERT_EQ(f_->C_EncryptInit(s3, &cbc, key), CKR_OK);
  EXPECT_EQ(f_->C_Encrypt(s3, data.data(), data.size(), out, nullptr), CKR_ARGUMENTS_BAD);
}

TEST_P(ErrorPathsTest, FourThreadsSignInTheirOwnSessions) {
  CK_SESSION_HANDLE login = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(login, "ec", &pub, &priv));
  constexpr int kThreads = 4, kSignsEach = 25;  // bounded: 100 ECDSA signatures in all
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
      if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) return;
      CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
      Bytes hash(32, static_cast<CK_BYTE>(t));
      for (int i = 0; i < kSignsEach; ++i) {
        CK_BYTE sig[64];
        CK_ULONG len = sizeof(sig);
        if (f_->C_SignInit(s, &ecdsa, priv) != CKR_OK) continue;
        if (f_->C_Sign(s, hash.data(), hash.size(), sig, &len) != CKR_OK) continue;
        if (f_->C_VerifyInit(s, &ecdsa, pub) != CKR_OK) continue;
        if (f_->C_Verify(s, hash.data(), hash.size(), sig, len) == CKR_OK) ++good;
      }
      f_->C_CloseSession(s);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads * kSignsEach);
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(ErrorPathsTest);

}  // namespace cf::conformance
