// Object identity (issue 12): PKCS#11 labels are not unique (section 4.4: CKA_LABEL is a description), so objects
// with one label never hide each other; an object keeps its handle and CKA_UNIQUE_ID (section 4.4.1, 3.0) for its
// life, whatever attribute changes; handles to private objects die at C_Logout (section 5.6.4).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>

#include "p11_test.h"
#include "test_certificate.h"

namespace cf::conformance {
namespace {

class ObjectIdentityTest : public P11Test {
 protected:
  // A fresh token EC P-256 pair (label, one-byte CKA_ID); false when the module refuses.
  bool MakePair(CK_SESSION_HANDLE s, const char* label, CK_BYTE id_byte, CK_OBJECT_HANDLE* pub,
                CK_OBJECT_HANDLE* priv) {
    static CK_BYTE p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    Bytes id = {0x1d, id_byte};
    CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_ATTRIBUTE pub_t[] = {Attr(CKA_TOKEN, kTrue), Attr(CKA_VERIFY, kTrue), AttrStr(CKA_LABEL, label),
                            AttrBytes(CKA_ID, id), Attr(CKA_EC_PARAMS, p256_oid)};
    CK_ATTRIBUTE priv_t[] = {Attr(CKA_TOKEN, kTrue), Attr(CKA_SIGN, kTrue), Attr(CKA_PRIVATE, kTrue),
                             AttrStr(CKA_LABEL, label), AttrBytes(CKA_ID, id)};
    CK_RV rv = f_->C_GenerateKeyPair(s, &mech, pub_t, 5, priv_t, 5, pub, priv);
    EXPECT_EQ(rv, CKR_OK) << "generating EC pair " << label;
    return rv == CKR_OK;
  }
  CK_RV Sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv) {
    // CKM_ECDSA over a SHA-256-sized digest: SoftHSMv2 2.6 has no CKM_ECDSA_SHA256.
    CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
    CK_BYTE data[32] = {1, 2, 3}, sig[256];
    CK_ULONG len = sizeof(sig);
    CK_RV rv = f_->C_SignInit(s, &m, priv);
    return rv == CKR_OK ? f_->C_Sign(s, data, sizeof(data), sig, &len) : rv;
  }
  CK_RV Relabel(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, const char* label) {
    CK_ATTRIBUTE t[] = {AttrStr(CKA_LABEL, label)};
    return f_->C_SetAttributeValue(s, o, t, 1);
  }
  CK_OBJECT_HANDLE MakeCertificate(CK_SESSION_HANDLE s, const char* label, CK_BYTE id_byte) {
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE type = CKC_X_509;
    Bytes id = {0xce, id_byte};
    CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, cls),           Attr(CKA_CERTIFICATE_TYPE, type), Attr(CKA_TOKEN, kTrue),
                        AttrBytes(CKA_VALUE, kCertDer), AttrBytes(CKA_SUBJECT, kSubject), AttrBytes(CKA_ID, id),
                        AttrStr(CKA_LABEL, label)};
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    EXPECT_EQ(f_->C_CreateObject(s, t, 7, &o), CKR_OK);
    return o;
  }
  // CKA_UNIQUE_ID is 3.0; a module without it (SoftHSMv2 2.6) answers CKR_ATTRIBUTE_TYPE_INVALID: empty.
  std::string UniqueId(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) {
    CK_ATTRIBUTE a{CKA_UNIQUE_ID, nullptr, 0};
    if (f_->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return {};
    std::string v(a.ulValueLen, '\0');
    a.pValue = v.data();
    return f_->C_GetAttributeValue(s, o, &a, 1) == CKR_OK ? v : std::string();
  }
  static Bytes Text(const std::string& text) { return Bytes(text.begin(), text.end()); }
  static bool Has(const std::vector<CK_OBJECT_HANDLE>& v, CK_OBJECT_HANDLE h) {
    return std::find(v.begin(), v.end(), h) != v.end();
  }
};

TEST_P(ObjectIdentityTest, RelabelledKeyKeepsSigningUnderItsOldHandle) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(MakePair(s, "conf-id-relabel", 1, &pub, &priv));
  std::string unique = UniqueId(s, priv);
  ASSERT_EQ(Relabel(s, priv, "conf-id-relabelled"), CKR_OK);
  ASSERT_EQ(Relabel(s, pub, "conf-id-relabelled"), CKR_OK);
  EXPECT_EQ(Sign(s, priv), CKR_OK);  // section 5.7: C_SetAttributeValue changes attributes, not the object
  CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
  EXPECT_EQ(Find(s, {Attr(CKA_CLASS, priv_class), AttrStr(CKA_LABEL, "conf-id-relabelled")}),
            std::vector<CK_OBJECT_HANDLE>{priv});
  EXPECT_TRUE(Find(s, {AttrStr(CKA_LABEL, "conf-id-relabel")}).empty());
  // Section 4.4.1: CKA_UNIQUE_ID is assigned once and never changes.
  if (unique.empty()) {
    std::cout << "[ DEVIATION] " << m_->name << ": no CKA_UNIQUE_ID (a PKCS#11 3.0 attribute)\n";
  } else {
    EXPECT_EQ(UniqueId(s, priv), unique);
  }
}

TEST_P(ObjectIdentityTest, RelabelledKeyKeepsSigningInAnotherProcessThatHoldsIt) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(MakePair(s, "conf-id-other-process", 2, &pub, &priv));
  int ready[2], go[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(go), 0);
  pid_t pid = fork();
  if (pid == 0) {
    // The child initialises for itself (the p11-kit / libp11 pattern), finds the key and holds its handle.
    char c = 0;
    m_->Finalize();
    if (m_->EnsureInitialized() != CKR_OK) _exit(2);
    CK_SESSION_HANDLE cs = CK_INVALID_HANDLE;
    if (f_->C_OpenSession(m_->slot, CKF_SERIAL_SESSION, nullptr, nullptr, &cs) != CKR_OK) _exit(3);
    if (f_->C_Login(cs, CKU_USER, Pin(kUserPin), std::strlen(kUserPin)) != CKR_OK) _exit(4);
    CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
    auto found = Find(cs, {Attr(CKA_CLASS, priv_class), AttrStr(CKA_LABEL, "conf-id-other-process")});
    if (found.size() != 1) _exit(5);
    if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1) _exit(6);
    _exit(Sign(cs, found[0]) == CKR_OK ? 0 : 7);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1) << "the child did not find the key";
  EXPECT_EQ(Relabel(s, priv, "conf-id-other-process-renamed"), CKR_OK);
  ASSERT_EQ(write(go[1], "g", 1), 1);
  int status = 0;
  waitpid(pid, &status, 0);
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the child's handle stopped signing after the parent relabelled the key (status " << status << ")";
}

TEST_P(ObjectIdentityTest, CopyHasItsOwnUniqueIdAndOutlivesTheOriginal) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE original = MakeDataObject(s, "conf-id-copy", kTrue, kFalse);
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  CK_ATTRIBUTE keep[] = {Attr(CKA_TOKEN, kTrue)};  // SoftHSMv2 refuses an empty copy template (ARGUMENTS_BAD)
  ASSERT_EQ(f_->C_CopyObject(s, original, keep, 1, &copy), CKR_OK);
  // A copy without a new label hides nothing: both are found.
  auto both = Find(s, {AttrStr(CKA_LABEL, "conf-id-copy")});
  EXPECT_TRUE(Has(both, original) && Has(both, copy)) << both.size() << " found";
  std::string a = UniqueId(s, original), b = UniqueId(s, copy);
  if (!a.empty()) {
    EXPECT_NE(a, b);
  }
  ASSERT_EQ(f_->C_DestroyObject(s, original), CKR_OK);
  EXPECT_EQ(Find(s, {AttrStr(CKA_LABEL, "conf-id-copy")}), std::vector<CK_OBJECT_HANDLE>{copy});
  EXPECT_EQ(GetBytes(s, copy, CKA_LABEL), Text("conf-id-copy"));
}

TEST_P(ObjectIdentityTest, UniqueIdIsNeverSettable) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-id-unique", kTrue, kFalse);
  if (UniqueId(s, o).empty()) GTEST_SKIP() << m_->name << " has no CKA_UNIQUE_ID";
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_ATTRIBUTE create[] = {Attr(CKA_CLASS, cls), Attr(CKA_TOKEN, kTrue), AttrStr(CKA_UNIQUE_ID, "mine")};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  // Section 4.4.1: CKA_UNIQUE_ID "must not be specified" when an object is created, and is read-only.
  EXPECT_EQ(f_->C_CreateObject(s, create, 3, &h), CKR_ATTRIBUTE_READ_ONLY);
  CK_ATTRIBUTE set[] = {AttrStr(CKA_UNIQUE_ID, "mine")};
  EXPECT_EQ(f_->C_SetAttributeValue(s, o, set, 1), CKR_ATTRIBUTE_READ_ONLY);
}

TEST_P(ObjectIdentityTest, PrivateHandleIsInvalidAfterLogoutAndLogin) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE priv = MakeDataObject(s, "conf-id-private", kTrue, kTrue);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  ASSERT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
  // Section 5.6.4: "any of the application's handles to private objects become invalid (even if a user is later
  // logged back into the token, those handles remain invalid)".
  CK_ATTRIBUTE a{CKA_LABEL, nullptr, 0};
  EXPECT_EQ(f_->C_GetAttributeValue(s, priv, &a, 1), CKR_OBJECT_HANDLE_INVALID);
  // The object itself lives on, under a new handle.
  auto found = Find(s, {AttrStr(CKA_LABEL, "conf-id-private")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(GetBool(s, found[0], CKA_PRIVATE), CK_TRUE);
}

TEST_P(ObjectIdentityTest, TwoKeyPairsWithOneLabelAreBothFoundAndBothSign) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub1 = 0, priv1 = 0, pub2 = 0, priv2 = 0;
  ASSERT_TRUE(MakePair(s, "conf-id-twins", 1, &pub1, &priv1));
  ASSERT_TRUE(MakePair(s, "conf-id-twins", 2, &pub2, &priv2));
  CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY, pub_class = CKO_PUBLIC_KEY;
  auto privs = Find(s, {Attr(CKA_CLASS, priv_class), AttrStr(CKA_LABEL, "conf-id-twins")});
  auto pubs = Find(s, {Attr(CKA_CLASS, pub_class), AttrStr(CKA_LABEL, "conf-id-twins")});
  EXPECT_EQ(privs.size(), 2u);
  EXPECT_EQ(pubs.size(), 2u);
  EXPECT_TRUE(Has(privs, priv1) && Has(privs, priv2));
  EXPECT_TRUE(Has(pubs, pub1) && Has(pubs, pub2));
  EXPECT_EQ(Sign(s, priv1), CKR_OK);
  EXPECT_EQ(Sign(s, priv2), CKR_OK);
  Bytes id1 = {0x1d, 1};
  EXPECT_EQ(Find(s, {Attr(CKA_CLASS, priv_class), AttrStr(CKA_LABEL, "conf-id-twins"), AttrBytes(CKA_ID, id1)}),
            std::vector<CK_OBJECT_HANDLE>{priv1});
}

TEST_P(ObjectIdentityTest, TwoDataObjectsAndTwoCertificatesWithOneLabel) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE d1 = MakeDataObject(s, "conf-id-same", kTrue, kFalse);
  CK_OBJECT_HANDLE d2 = MakeDataObject(s, "conf-id-same", kTrue, kFalse);
  CK_OBJECT_HANDLE c1 = MakeCertificate(s, "conf-id-same", 1);
  CK_OBJECT_HANDLE c2 = MakeCertificate(s, "conf-id-same", 2);
  CK_OBJECT_CLASS data = CKO_DATA, cert = CKO_CERTIFICATE;
  auto datas = Find(s, {Attr(CKA_CLASS, data), AttrStr(CKA_LABEL, "conf-id-same")});
  auto certs = Find(s, {Attr(CKA_CLASS, cert), AttrStr(CKA_LABEL, "conf-id-same")});
  EXPECT_TRUE(datas.size() == 2 && Has(datas, d1) && Has(datas, d2)) << datas.size() << " data objects found";
  EXPECT_TRUE(certs.size() == 2 && Has(certs, c1) && Has(certs, c2)) << certs.size() << " certificates found";
  EXPECT_EQ(Find(s, {AttrStr(CKA_LABEL, "conf-id-same")}).size(), 4u);
}

TEST_P(ObjectIdentityTest, RenameOntoALabelItsClassAlreadyUses) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE a = MakeDataObject(s, "conf-id-rename-a", kTrue, kFalse);
  CK_OBJECT_HANDLE b = MakeDataObject(s, "conf-id-rename-b", kTrue, kFalse);
  ASSERT_EQ(Relabel(s, a, "conf-id-rename-b"), CKR_OK);
  auto found = Find(s, {AttrStr(CKA_LABEL, "conf-id-rename-b")});
  EXPECT_TRUE(found.size() == 2 && Has(found, a) && Has(found, b)) << found.size() << " found";
  EXPECT_TRUE(Find(s, {AttrStr(CKA_LABEL, "conf-id-rename-a")}).empty());
  EXPECT_EQ(GetBytes(s, a, CKA_LABEL), Text("conf-id-rename-b"));
}

TEST_P(ObjectIdentityTest, DestroyingOneOfTwoSameLabelObjectsLeavesTheOther) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE first = MakeDataObject(s, "conf-id-destroy-one", kTrue, kFalse);
  CK_OBJECT_HANDLE second = MakeDataObject(s, "conf-id-destroy-one", kTrue, kFalse);
  ASSERT_EQ(f_->C_DestroyObject(s, second), CKR_OK);
  EXPECT_EQ(Find(s, {AttrStr(CKA_LABEL, "conf-id-destroy-one")}), std::vector<CK_OBJECT_HANDLE>{first});
  CK_OBJECT_HANDLE third = MakeDataObject(s, "conf-id-destroy-one", kTrue, kFalse);
  ASSERT_EQ(f_->C_DestroyObject(s, first), CKR_OK);
  EXPECT_EQ(Find(s, {AttrStr(CKA_LABEL, "conf-id-destroy-one")}), std::vector<CK_OBJECT_HANDLE>{third});
}

TEST_P(ObjectIdentityTest, SessionObjectBesideATokenObjectWithOneLabel) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE token = MakeDataObject(s, "conf-id-mixed", kTrue, kFalse);
  CK_OBJECT_HANDLE session = MakeDataObject(s, "conf-id-mixed", kFalse, kFalse);
  auto found = Find(s, {AttrStr(CKA_LABEL, "conf-id-mixed")});
  EXPECT_TRUE(found.size() == 2 && Has(found, token) && Has(found, session)) << found.size() << " found";
  EXPECT_EQ(Find(s, {AttrStr(CKA_LABEL, "conf-id-mixed"), Attr(CKA_TOKEN, kFalse)}),
            std::vector<CK_OBJECT_HANDLE>{session});
}

TEST_P(ObjectIdentityTest, PrivateObjectDoesNotHideAPublicOneWithItsLabel) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = MakeDataObject(s, "conf-id-tiers", kTrue, kFalse);
  CK_OBJECT_HANDLE priv = MakeDataObject(s, "conf-id-tiers", kTrue, kTrue);
  auto found = Find(s, {AttrStr(CKA_LABEL, "conf-id-tiers")});
  EXPECT_TRUE(found.size() == 2 && Has(found, pub) && Has(found, priv)) << found.size() << " found";
}

CF_CONFORMANCE_INSTANTIATE(ObjectIdentityTest);

}  // namespace
}  // namespace cf::conformance
