// Encryption and decryption (PKCS#11 3.0 sections 5.8 and 5.10): round trips for the AES and RSA cipher mechanisms
// of issue 4 that the module lists, single- and multi-part, the output buffer protocol, operation state, length
// errors and GCM tag failure.
#include <cstdio>
#include <cstring>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class CipherTest : public P11Test {
 protected:
  // Encrypts single-part (length query first), decrypts, compares. Returns the ciphertext.
  Bytes RoundTrip(CK_SESSION_HANDLE s, CK_MECHANISM mech, CK_OBJECT_HANDLE enc_key, CK_OBJECT_HANDLE dec_key,
                  const Bytes& plain) {
    EXPECT_EQ(f_->C_EncryptInit(s, &mech, enc_key), CKR_OK);
    CK_ULONG len = 0;
    EXPECT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(plain.data()), plain.size(), nullptr, &len), CKR_OK);
    Bytes cipher(len);
    EXPECT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(plain.data()), plain.size(), cipher.data(), &len), CKR_OK);
    cipher.resize(len);
    EXPECT_EQ(f_->C_DecryptInit(s, &mech, dec_key), CKR_OK);
    CK_ULONG out_len = 0;
    EXPECT_EQ(f_->C_Decrypt(s, cipher.data(), cipher.size(), nullptr, &out_len), CKR_OK);
    Bytes out(out_len);
    EXPECT_EQ(f_->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &out_len), CKR_OK);
    out.resize(out_len);
    EXPECT_EQ(out, plain);
    return cipher;
  }
  bool Listed(CK_MECHANISM_TYPE type, const char* name) {
    if (HasMechanism(type)) return true;
    std::printf("[ SKIPPED  ] %s: %s not listed\n", m_->name.c_str(), name);
    return false;
  }
};

const Bytes kPlain32(32, 0x61);
const Bytes kPlain20(20, 0x62);

TEST_P(CipherTest, AesModesRoundTrip) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  CK_BYTE iv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  if (Listed(CKM_AES_CBC, "CKM_AES_CBC")) {
    SCOPED_TRACE("CKM_AES_CBC");
    EXPECT_EQ(RoundTrip(s, {CKM_AES_CBC, iv, sizeof(iv)}, key, key, kPlain32).size(), 32u);
  }
  if (Listed(CKM_AES_CBC_PAD, "CKM_AES_CBC_PAD")) {
    SCOPED_TRACE("CKM_AES_CBC_PAD");
    EXPECT_EQ(RoundTrip(s, {CKM_AES_CBC_PAD, iv, sizeof(iv)}, key, key, kPlain20).size(), 32u);
    EXPECT_EQ(RoundTrip(s, {CKM_AES_CBC_PAD, iv, sizeof(iv)}, key, key, kPlain32).size(), 48u);
  }
  if (Listed(CKM_AES_CTR, "CKM_AES_CTR")) {
    SCOPED_TRACE("CKM_AES_CTR");
    CK_AES_CTR_PARAMS ctr{};
    ctr.ulCounterBits = 128;
    std::memcpy(ctr.cb, iv, sizeof(iv));
    EXPECT_EQ(RoundTrip(s, {CKM_AES_CTR, &ctr, sizeof(ctr)}, key, key, kPlain20).size(), 20u);
  }
  if (Listed(CKM_AES_GCM, "CKM_AES_GCM")) {
    SCOPED_TRACE("CKM_AES_GCM");
    CK_BYTE aad[5] = {'h', 'e', 'a', 'd', 'r'};
    CK_GCM_PARAMS gcm{iv, 12, 96, aad, sizeof(aad), 128};
    EXPECT_EQ(RoundTrip(s, {CKM_AES_GCM, &gcm, sizeof(gcm)}, key, key, kPlain20).size(), 36u);
  }
}

TEST_P(CipherTest, RsaPkcsAndOaepRoundTrip) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "rsa", &pub, &priv));
  CK_MECHANISM_INFO info{};
  if (Listed(CKM_RSA_PKCS, "CKM_RSA_PKCS") && f_->C_GetMechanismInfo(slot_, CKM_RSA_PKCS, &info) == CKR_OK) {
    SCOPED_TRACE("CKM_RSA_PKCS");
    CK_MECHANISM pkcs1{CKM_RSA_PKCS, nullptr, 0};
    if (info.flags & CKF_DECRYPT) {
      EXPECT_EQ(RoundTrip(s, pkcs1, pub, priv, kPlain20).size(), 256u);
    } else {
      // Section 5.5: what C_GetMechanismInfo does not claim, C_DecryptInit refuses (ours: PKCS#1 v1.5 decryption
      // is a padding oracle and off unless configured).
      std::printf("[ SKIPPED  ] %s: CKM_RSA_PKCS without CKF_DECRYPT, round trip not tried\n", m_->name.c_str());
      EXPECT_EQ(f_->C_DecryptInit(s, &pkcs1, priv), CKR_MECHANISM_INVALID);
    }
  }
  if (!Listed(CKM_RSA_PKCS_OAEP, "CKM_RSA_PKCS_OAEP")) return;
  CK_RSA_PKCS_OAEP_PARAMS sha1{CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  {
    SCOPED_TRACE("CKM_RSA_PKCS_OAEP SHA-1");
    EXPECT_EQ(RoundTrip(s, {CKM_RSA_PKCS_OAEP, &sha1, sizeof(sha1)}, pub, priv, kPlain20).size(), 256u);
  }
  CK_BYTE label[4] = {'l', 'a', 'b', 'l'};
  CK_RSA_PKCS_OAEP_PARAMS sha256{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, label, sizeof(label)};
  CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &sha256, sizeof(sha256)};
  CK_RV rv = f_->C_EncryptInit(s, &mech, pub);
  if (IsSoftHsm() && rv == CKR_ARGUMENTS_BAD) {
    std::printf(
        "[ SKIPPED  ] softhsm deviation: OAEP with SHA-256 and a label refused (SoftHSM supports SHA-1 "
        "OAEP without a label only)\n");
    return;
  }
  ASSERT_EQ(rv, CKR_OK);
  SCOPED_TRACE("CKM_RSA_PKCS_OAEP SHA-256 with label");
  CK_ULONG len = 0;
  ASSERT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(kPlain20.data()), 20, nullptr, &len), CKR_OK);
  Bytes cipher(len);
  ASSERT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(kPlain20.data()), 20, cipher.data(), &len), CKR_OK);
  ASSERT_EQ(f_->C_DecryptInit(s, &mech, priv), CKR_OK);
  Bytes out(256);
  CK_ULONG out_len = out.size();
  ASSERT_EQ(f_->C_Decrypt(s, cipher.data(), len, out.data(), &out_len), CKR_OK);
  out.resize(out_len);
  EXPECT_EQ(out, kPlain20);
}

TEST_P(CipherTest, ShortBufferKeepsTheOperationThenSucceeds) {
  CF_REQUIRE_MECHANISM(CKM_AES_CBC_PAD);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s);
  CK_BYTE iv[16] = {};
  CK_MECHANISM mech{CKM_AES_CBC_PAD, iv, sizeof(iv)};
  ASSERT_EQ(f_->C_EncryptInit(s, &mech, key), CKR_OK);
  CK_BYTE out[32];
  CK_ULONG len = 16;
  EXPECT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(kPlain20.data()), 20, out, &len), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 32u);
  len = sizeof(out);
  EXPECT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(kPlain20.data()), 20, out, &len), CKR_OK);
  EXPECT_EQ(len, 32u);
  EXPECT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(kPlain20.data()), 20, out, &len), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_P(CipherTest, MultiPartEqualsSinglePart) {
  CF_REQUIRE_MECHANISM(CKM_AES_CBC_PAD);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s);
  CK_BYTE iv[16] = {9};
  CK_MECHANISM mech{CKM_AES_CBC_PAD, iv, sizeof(iv)};
  Bytes one = RoundTrip(s, mech, key, key, kPlain20);
  ASSERT_EQ(f_->C_EncryptInit(s, &mech, key), CKR_OK);
  Bytes parts(48);
  CK_ULONG n1 = parts.size();
  ASSERT_EQ(f_->C_EncryptUpdate(s, const_cast<CK_BYTE*>(kPlain20.data()), 7, parts.data(), &n1), CKR_OK);
  CK_ULONG n2 = parts.size() - n1;
  ASSERT_EQ(f_->C_EncryptUpdate(s, const_cast<CK_BYTE*>(kPlain20.data()) + 7, 13, parts.data() + n1, &n2), CKR_OK);
  CK_ULONG n3 = parts.size() - n1 - n2;
  ASSERT_EQ(f_->C_EncryptFinal(s, parts.data() + n1 + n2, &n3), CKR_OK);
  parts.resize(n1 + n2 + n3);
  EXPECT_EQ(parts, one);
  ASSERT_EQ(f_->C_DecryptInit(s, &mech, key), CKR_OK);
  Bytes plain(48);
  CK_ULONG d1 = plain.size();
  ASSERT_EQ(f_->C_DecryptUpdate(s, parts.data(), parts.size(), plain.data(), &d1), CKR_OK);
  CK_ULONG d2 = plain.size() - d1;
  ASSERT_EQ(f_->C_DecryptFinal(s, plain.data() + d1, &d2), CKR_OK);
  plain.resize(d1 + d2);
  EXPECT_EQ(plain, kPlain20);
}

TEST_P(CipherTest, OperationStateAndUsageRules) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s);
  CK_BYTE out[64];
  CK_ULONG len = sizeof(out);
  EXPECT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(kPlain32.data()), 32, out, &len), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_Decrypt(s, const_cast<CK_BYTE*>(kPlain32.data()), 32, out, &len), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_EncryptFinal(s, out, &len), CKR_OPERATION_NOT_INITIALIZED);
  CK_BYTE iv[16] = {};
  CK_MECHANISM cbc{CKM_AES_CBC, iv, sizeof(iv)};
  ASSERT_EQ(f_->C_EncryptInit(s, &cbc, key), CKR_OK);
  EXPECT_EQ(f_->C_EncryptInit(s, &cbc, key), CKR_OPERATION_ACTIVE);
  // Section 5.8: raw CBC needs whole blocks; any error other than a short buffer ends the operation.
  EXPECT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(kPlain20.data()), 20, out, &len), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(f_->C_Encrypt(s, const_cast<CK_BYTE*>(kPlain32.data()), 32, out, &len), CKR_OPERATION_NOT_INITIALIZED);
  CK_MECHANISM short_iv{CKM_AES_CBC, iv, 5};
  ExpectRv(f_->C_EncryptInit(s, &short_iv, key), CKR_MECHANISM_PARAM_INVALID, CKR_MECHANISM_INVALID,
           "a 5-byte CBC IV is reported as an invalid mechanism, not an invalid parameter");
  CK_OBJECT_HANDLE sign_only = MakeAesKey(s, {Attr(CKA_ENCRYPT, kFalse), Attr(CKA_DECRYPT, kFalse)});
  ASSERT_NE(sign_only, CK_INVALID_HANDLE);
  EXPECT_EQ(f_->C_EncryptInit(s, &cbc, sign_only), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(f_->C_DecryptInit(s, &cbc, sign_only), CKR_KEY_FUNCTION_NOT_PERMITTED);
}

TEST_P(CipherTest, GcmWithAlteredTagReleasesNoPlaintext) {
  CF_REQUIRE_MECHANISM(CKM_AES_GCM);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s);
  CK_BYTE iv[12] = {7};
  CK_GCM_PARAMS gcm{iv, sizeof(iv), 96, nullptr, 0, 128};
  CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof(gcm)};
  Bytes cipher = RoundTrip(s, mech, key, key, kPlain32);
  ASSERT_EQ(cipher.size(), 48u);
  cipher.back() ^= 0x80;
  ASSERT_EQ(f_->C_DecryptInit(s, &mech, key), CKR_OK);
  Bytes out(48, 0);
  CK_ULONG len = out.size();
  // Section 2.8 of the current mechanisms (GCM): a tag mismatch is CKR_ENCRYPTED_DATA_INVALID.
  ExpectRv(f_->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len), CKR_ENCRYPTED_DATA_INVALID,
           CKR_GENERAL_ERROR, "a GCM tag mismatch is CKR_GENERAL_ERROR");
  EXPECT_EQ(out, Bytes(48, 0)) << "no plaintext may be released when the tag fails";
}

TEST_P(CipherTest, CbcPadRejectsCiphertextOfWrongLength) {
  CF_REQUIRE_MECHANISM(CKM_AES_CBC_PAD);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s);
  CK_BYTE iv[16] = {};
  CK_MECHANISM mech{CKM_AES_CBC_PAD, iv, sizeof(iv)};
  ASSERT_EQ(f_->C_DecryptInit(s, &mech, key), CKR_OK);
  CK_BYTE out[32];
  CK_ULONG len = sizeof(out);
  EXPECT_EQ(f_->C_Decrypt(s, const_cast<CK_BYTE*>(kPlain20.data()), 20, out, &len), CKR_ENCRYPTED_DATA_LEN_RANGE);
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(CipherTest);

}  // namespace cf::conformance
