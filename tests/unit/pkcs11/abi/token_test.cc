// Token, login and object behaviour through the C ABI: the failed-PIN counter and its token flags, context-specific
// login, session state rules, the buffer protocol, CKA_CF_VERSION, C_DigestKey, and entries written by
// cf-osutility in the framework's formats appearing as objects once the store changed.
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/ossl.h"
#include "framework_fixture.h"
#include "p11_fixture.h"
#include "pkcs11/include/cf_pkcs11.h"

namespace cf::p11::test {
namespace {

class TokenTest : public ModuleTest {};

TEST_F(TokenTest, WrongPinsRaiseCountLowThenFinalTryThenLocked) {
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_EQ(TokenFlags() & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED), 0u);
  EXPECT_EQ(f_->C_Login(s, CKU_USER, Pin("0000"), 4), CKR_PIN_INCORRECT);
  EXPECT_TRUE(TokenFlags() & CKF_USER_PIN_COUNT_LOW);
  EXPECT_EQ(f_->C_Login(s, CKU_USER, Pin("0000"), 4), CKR_PIN_INCORRECT);
  EXPECT_TRUE(TokenFlags() & CKF_USER_PIN_FINAL_TRY);  // limit 3 (fixture configuration): one try left
  // The attempt that uses up the limit is still a wrong PIN; from then on the PIN is locked.
  CK_RV third = f_->C_Login(s, CKU_USER, Pin("0000"), 4);
  EXPECT_TRUE(third == CKR_PIN_INCORRECT || third == CKR_PIN_LOCKED) << third;
  EXPECT_TRUE(TokenFlags() & CKF_USER_PIN_LOCKED);
  EXPECT_EQ(f_->C_Login(s, CKU_USER, Pin(kUserPin), 4), CKR_PIN_LOCKED);
  // Durable: a new C_Initialize still sees the lock.
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(Initialize(), CKR_OK);
  EXPECT_TRUE(TokenFlags() & CKF_USER_PIN_LOCKED);
  // The SO resets the PIN, which unlocks it.
  s = OpenRw();
  ASSERT_EQ(f_->C_Login(s, CKU_SO, Pin(kSoPin), 8), CKR_OK);
  ASSERT_EQ(f_->C_InitPIN(s, Pin("5678"), 4), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(TokenFlags() & CKF_USER_PIN_LOCKED, 0u);
  EXPECT_EQ(f_->C_Login(s, CKU_USER, Pin("5678"), 4), CKR_OK);
}

TEST_F(TokenTest, SuccessfulLoginClearsTheCounter) {
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_EQ(f_->C_Login(s, CKU_USER, Pin("0000"), 4), CKR_PIN_INCORRECT);
  ASSERT_EQ(f_->C_Login(s, CKU_USER, Pin(kUserPin), 4), CKR_OK);
  EXPECT_EQ(TokenFlags() & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY), 0u);
}

TEST_F(TokenTest, SessionStateRules) {
  CK_SESSION_HANDLE ro = CK_INVALID_HANDLE;
  ASSERT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &ro), CKR_OK);
  CK_OBJECT_HANDLE h;
  EXPECT_EQ(Create(ro, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Str(CKA_LABEL, "x")}, &h),
            CKR_SESSION_READ_ONLY);
  // Public session objects are fine in a read-only session.
  EXPECT_EQ(Create(ro, {Ulong(CKA_CLASS, CKO_DATA), Str(CKA_LABEL, "x")}, &h), CKR_OK);
  // The SO cannot log in while a read-only session exists (section 5.6, C_Login).
  CK_SESSION_HANDLE rw = OpenRw();
  EXPECT_EQ(f_->C_Login(rw, CKU_SO, Pin(kSoPin), 8), CKR_SESSION_READ_ONLY_EXISTS);
  ASSERT_EQ(f_->C_Login(rw, CKU_USER, Pin(kUserPin), 4), CKR_OK);
  CK_SESSION_INFO info;
  ASSERT_EQ(f_->C_GetSessionInfo(ro, &info), CKR_OK);
  EXPECT_EQ(info.state, CKS_RO_USER_FUNCTIONS);
  ASSERT_EQ(f_->C_GetSessionInfo(rw, &info), CKR_OK);
  EXPECT_EQ(info.state, CKS_RW_USER_FUNCTIONS);
  // Closing the last session logs the user out.
  ASSERT_EQ(f_->C_CloseSession(ro), CKR_OK);
  ASSERT_EQ(f_->C_CloseSession(rw), CKR_OK);
  rw = OpenRw();
  ASSERT_EQ(f_->C_GetSessionInfo(rw, &info), CKR_OK);
  EXPECT_EQ(info.state, CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(f_->C_GetSessionInfo(12345, &info), CKR_SESSION_HANDLE_INVALID);
}

TEST_F(TokenTest, AlwaysAuthenticateKeyNeedsContextLoginBeforeEachSignature) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(GenerateEc(s, {}, {Bool(CKA_ALWAYS_AUTHENTICATE, true)}, &pub, &priv), CKR_OK);
  CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
  unsigned char digest[32] = {1}, sig[128];
  CK_ULONG len = sizeof(sig);
  ASSERT_EQ(f_->C_SignInit(s, &m, priv), CKR_OK);
  EXPECT_EQ(f_->C_Sign(s, digest, sizeof(digest), sig, &len), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(f_->C_SignInit(s, &m, priv), CKR_OK);
  EXPECT_EQ(f_->C_Login(s, CKU_CONTEXT_SPECIFIC, Pin("0000"), 4), CKR_PIN_INCORRECT);
  ASSERT_EQ(f_->C_Login(s, CKU_CONTEXT_SPECIFIC, Pin(kUserPin), 4), CKR_OK);
  len = sizeof(sig);
  EXPECT_EQ(f_->C_Sign(s, digest, sizeof(digest), sig, &len), CKR_OK);
  EXPECT_EQ(len, 64u);
  // Without an operation waiting, a context-specific login is refused.
  EXPECT_EQ(f_->C_Login(s, CKU_CONTEXT_SPECIFIC, Pin(kUserPin), 4), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_F(TokenTest, AttributeBufferProtocol) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE h;
  ASSERT_EQ(Create(s, {Ulong(CKA_CLASS, CKO_DATA), Str(CKA_LABEL, "buffer"), Str(CKA_VALUE, "0123456789")}, &h),
            CKR_OK);
  unsigned char small[4], label[16];
  CK_ATTRIBUTE t[] = {{CKA_VALUE, nullptr, 0}, {CKA_LABEL, label, sizeof(label)}, {CKA_MODULUS, nullptr, 0}};
  EXPECT_EQ(f_->C_GetAttributeValue(s, h, t, 3), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(t[0].ulValueLen, 10u);  // null pValue: the length
  EXPECT_EQ(t[1].ulValueLen, 6u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(label), 6), "buffer");
  EXPECT_EQ(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  CK_ATTRIBUTE short_buffer{CKA_VALUE, small, sizeof(small)};
  EXPECT_EQ(f_->C_GetAttributeValue(s, h, &short_buffer, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(short_buffer.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  CK_ULONG size = 0;
  EXPECT_EQ(f_->C_GetObjectSize(s, h, &size), CKR_OK);
  EXPECT_GT(size, 10u);
}

TEST_F(TokenTest, SignatureBufferProtocolKeepsTheComputedResult) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(GenerateEc(s, {}, {}, &pub, &priv), CKR_OK);
  CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
  unsigned char data[] = "message", sig[64], tiny[8];
  ASSERT_EQ(f_->C_SignInit(s, &m, priv), CKR_OK);
  CK_ULONG len = 0;
  ASSERT_EQ(f_->C_Sign(s, data, sizeof(data), nullptr, &len), CKR_OK);
  EXPECT_EQ(len, 64u);
  len = sizeof(tiny);
  ASSERT_EQ(f_->C_Sign(s, data, sizeof(data), tiny, &len), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 64u);
  len = sizeof(sig);
  ASSERT_EQ(f_->C_Sign(s, data, sizeof(data), sig, &len), CKR_OK);
  // The operation ended with the delivered signature.
  EXPECT_EQ(f_->C_Sign(s, data, sizeof(data), sig, &len), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(f_->C_VerifyInit(s, &m, pub), CKR_OK);
  EXPECT_EQ(f_->C_Verify(s, data, sizeof(data), sig, 64), CKR_OK);
  sig[3] ^= 1;
  ASSERT_EQ(f_->C_VerifyInit(s, &m, pub), CKR_OK);
  EXPECT_EQ(f_->C_Verify(s, data, sizeof(data), sig, 64), CKR_SIGNATURE_INVALID);
}

TEST_F(TokenTest, SameLabelCreatesAreAllFoundAndCfLatestMarksTheNewest) {
  // Issue 12: a create onto a used label takes the next version but hides nothing (PKCS#11 labels are not unique).
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE v1, v2;
  ASSERT_EQ(
      Create(s, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Str(CKA_LABEL, "rotated"), Str(CKA_VALUE, "one")},
             &v1),
      CKR_OK);
  ASSERT_EQ(
      Create(s, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Str(CKA_LABEL, "rotated"), Str(CKA_VALUE, "two")},
             &v2),
      CKR_OK);
  EXPECT_NE(v1, v2);
  EXPECT_EQ(GetUlong(s, v1, CKA_CF_VERSION), 1u);
  EXPECT_EQ(GetUlong(s, v2, CKA_CF_VERSION), 2u);
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "rotated")}), (std::vector<CK_OBJECT_HANDLE>{v1, v2}));
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "rotated"), Bool(CKA_CF_LATEST, true)}), std::vector<CK_OBJECT_HANDLE>{v2});
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "rotated"), Bool(CKA_CF_LATEST, false)}), std::vector<CK_OBJECT_HANDLE>{v1});
  // Destroying the newest makes the older one the newest.
  ASSERT_EQ(f_->C_DestroyObject(s, v2), CKR_OK);
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "rotated"), Bool(CKA_CF_LATEST, true)}), std::vector<CK_OBJECT_HANDLE>{v1});
  ASSERT_EQ(
      Create(s, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Str(CKA_LABEL, "rotated"), Str(CKA_VALUE, "two")},
             &v2),
      CKR_OK);
  auto first = Find(s, {Str(CKA_LABEL, "rotated"), Ulong(CKA_CF_VERSION, 1)});
  ASSERT_EQ(first.size(), 1u);
  std::vector<unsigned char> value;
  ASSERT_EQ(GetAttr(s, first[0], CKA_VALUE, &value), CKR_OK);
  EXPECT_EQ(std::string(value.begin(), value.end()), "one");
  // An explicit version that exists already is refused.
  CK_OBJECT_HANDLE dup;
  EXPECT_NE(
      Create(s,
             {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Str(CKA_LABEL, "rotated"), Ulong(CKA_CF_VERSION, 1)},
             &dup),
      CKR_OK);
}

TEST_F(TokenTest, DigestKeyHashesTheKeyValue) {
  CK_SESSION_HANDLE s = OpenUser();
  std::vector<unsigned char> value(32, 0x5a);
  CK_OBJECT_HANDLE key;
  // Readable key: C_DigestKey refuses sensitive or unextractable ones (exfiltration_test.cc).
  ASSERT_EQ(Create(s,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_AES), Raw(CKA_VALUE, value),
                    Bool(CKA_SENSITIVE, false), Bool(CKA_EXTRACTABLE, true)},
                   &key),
            CKR_OK);
  CK_MECHANISM m{CKM_SHA256, nullptr, 0};
  unsigned char prefix[] = "p", out[32], want[32];
  ASSERT_EQ(f_->C_DigestInit(s, &m), CKR_OK);
  ASSERT_EQ(f_->C_DigestUpdate(s, prefix, 1), CKR_OK);
  ASSERT_EQ(f_->C_DigestKey(s, key), CKR_OK);
  CK_ULONG len = sizeof(out);
  ASSERT_EQ(f_->C_DigestFinal(s, out, &len), CKR_OK);
  std::vector<unsigned char> input(1 + value.size(), 'p');
  std::memcpy(input.data() + 1, value.data(), value.size());
  SHA256(input.data(), input.size(), want);
  EXPECT_EQ(std::vector<unsigned char>(out, out + 32), std::vector<unsigned char>(want, want + 32));
}

TEST_F(FrameworkEntryTest, KeyMessageCertificateAndBlobAppearAsObjects) {
  CK_SESSION_HANDLE s = OpenUser();
  EXPECT_TRUE(Find(s, {}).empty());  // loads the cache before the store changes underneath
  ASSERT_TRUE(OsUtility("--generate-and-save-key --public-key-algorithm ecc-256 --tag fw-key"));
  ASSERT_TRUE(OsUtility("--generate-and-save-key --symmetric-algorithm aes-256-gcm --tag fw-aes"));
  std::vector<unsigned char> der = SelfSignedDer();
  ASSERT_TRUE(PutFile("fw-cert", "X509-der-cert", der));
  ASSERT_TRUE(PutFile("fw-blob", "binary-blob", {'o', 'p', 'a', 'q', 'u', 'e'}));

  // The store's change counter moved: the next search sees the new entries.
  auto priv = Find(s, {Str(CKA_LABEL, "fw-key"), Ulong(CKA_CLASS, CKO_PRIVATE_KEY)});
  auto pub = Find(s, {Str(CKA_LABEL, "fw-key"), Ulong(CKA_CLASS, CKO_PUBLIC_KEY)});
  ASSERT_EQ(priv.size(), 1u);
  ASSERT_EQ(pub.size(), 1u);
  EXPECT_EQ(GetUlong(s, priv[0], CKA_KEY_TYPE), CKK_EC);
  EXPECT_TRUE(GetBool(s, priv[0], CKA_SENSITIVE));
  EXPECT_TRUE(GetBool(s, priv[0], CKA_PRIVATE));
  std::vector<unsigned char> v;
  EXPECT_EQ(GetAttr(s, priv[0], CKA_VALUE, &v), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(GetAttr(s, pub[0], CKA_EC_POINT, &v), CKR_OK);
  EXPECT_EQ(v.size(), 67u);  // DER OCTET STRING of an uncompressed P-256 point
  // The framework's key signs through PKCS#11 and its public half verifies.
  CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
  unsigned char data[] = "framework", sig[64];
  CK_ULONG len = sizeof(sig);
  ASSERT_EQ(f_->C_SignInit(s, &m, priv[0]), CKR_OK);
  ASSERT_EQ(f_->C_Sign(s, data, sizeof(data), sig, &len), CKR_OK);
  ASSERT_EQ(f_->C_VerifyInit(s, &m, pub[0]), CKR_OK);
  EXPECT_EQ(f_->C_Verify(s, data, sizeof(data), sig, len), CKR_OK);

  auto secret = Find(s, {Str(CKA_LABEL, "fw-aes")});
  ASSERT_EQ(secret.size(), 1u);
  EXPECT_EQ(GetUlong(s, secret[0], CKA_CLASS), CKO_SECRET_KEY);
  EXPECT_EQ(GetUlong(s, secret[0], CKA_KEY_TYPE), CKK_AES);
  EXPECT_EQ(GetAttr(s, secret[0], CKA_VALUE, &v), CKR_ATTRIBUTE_SENSITIVE);

  auto cert = Find(s, {Str(CKA_LABEL, "fw-cert")});
  ASSERT_EQ(cert.size(), 1u);
  EXPECT_EQ(GetUlong(s, cert[0], CKA_CLASS), CKO_CERTIFICATE);
  ASSERT_EQ(GetAttr(s, cert[0], CKA_VALUE, &v), CKR_OK);
  EXPECT_EQ(v, der);

  auto blob = Find(s, {Str(CKA_LABEL, "fw-blob")});
  ASSERT_EQ(blob.size(), 1u);
  EXPECT_EQ(GetUlong(s, blob[0], CKA_CLASS), CKO_DATA);
  ASSERT_EQ(GetAttr(s, blob[0], CKA_APPLICATION, &v), CKR_OK);
  EXPECT_EQ(std::string(v.begin(), v.end()), "binary-blob");
  ASSERT_EQ(GetAttr(s, blob[0], CKA_CF_ENTRY_TYPE, &v), CKR_OK);
  EXPECT_EQ(std::string(v.begin(), v.end()), "binary-blob");
  // Framework entries are read-only views.
  EXPECT_EQ(SetAttr(s, blob[0], Str(CKA_LABEL, "renamed")), CKR_ACTION_PROHIBITED);
}

TEST_F(FrameworkEntryTest, FrameworkKeysAndBlobsAreHiddenBeforeLogin) {
  CK_SESSION_HANDLE s = OpenRw();
  ASSERT_TRUE(OsUtility("--generate-and-save-key --public-key-algorithm ecc-256 --tag fw-key"));
  ASSERT_TRUE(PutFile("fw-blob", "binary-blob", {'k', 'e', 'y'}));
  auto seen = Find(s, {});
  ASSERT_EQ(seen.size(), 1u);  // only the public half of the key
  EXPECT_EQ(GetUlong(s, seen[0], CKA_CLASS), CKO_PUBLIC_KEY);
}

}  // namespace
}  // namespace cf::p11::test
