// Object management (PKCS#11 3.0 section 5.7): create/copy/destroy, templates that are incomplete or conflict,
// read-only sessions, private objects before login, C_GetObjectSize and C_SetAttributeValue's lifecycle rules.
// The C_GetAttributeValue buffer protocol and C_FindObjects* are in attribute_test.cc and find_test.cc.
#include <cstring>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class ObjectTest : public P11Test {};

constexpr CK_OBJECT_HANDLE kBogusObject = 0x7ffd0001;

TEST_P(ObjectTest, CreatedDataObjectReadsBackAndDestroyInvalidatesIt) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-data-1", kFalse, kFalse);
  ASSERT_NE(o, CK_INVALID_HANDLE);
  EXPECT_EQ(GetUlong(s, o, CKA_CLASS), CKO_DATA);
  Bytes label = GetBytes(s, o, CKA_LABEL);
  EXPECT_EQ(std::string(label.begin(), label.end()), "conf-data-1");
  EXPECT_EQ(GetBool(s, o, CKA_TOKEN), CK_FALSE);
  ASSERT_EQ(f_->C_DestroyObject(s, o), CKR_OK);
  CK_ULONG cls = 0;
  CK_ATTRIBUTE a = Attr(CKA_CLASS, cls);
  EXPECT_EQ(f_->C_GetAttributeValue(s, o, &a, 1), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(f_->C_DestroyObject(s, o), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(f_->C_DestroyObject(s, kBogusObject), CKR_OBJECT_HANDLE_INVALID);
}

TEST_P(ObjectTest, CreateObjectChecksArguments) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, cls)};
  CK_OBJECT_HANDLE o = 0;
  EXPECT_EQ(f_->C_CreateObject(s, nullptr, 1, &o), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_CreateObject(s, t, 1, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_CreateObject(0x7ffe4321, t, 1, &o), CKR_SESSION_HANDLE_INVALID);
}

TEST_P(ObjectTest, ReadOnlySessionCreatesSessionObjectsButNotTokenObjects) {
  CK_SESSION_HANDLE s = OpenSession(false);
  EXPECT_NE(MakeDataObject(s, "conf-ro-session-obj", kFalse, kFalse), CK_INVALID_HANDLE);
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, cls), Attr(CKA_TOKEN, kTrue), AttrStr(CKA_LABEL, "conf-ro-token")};
  CK_OBJECT_HANDLE o = 0;
  // Section 5.7 (C_CreateObject): token objects only in read/write sessions.
  EXPECT_EQ(f_->C_CreateObject(s, t, 3, &o), CKR_SESSION_READ_ONLY);
}

TEST_P(ObjectTest, ReadOnlySessionCannotDestroyTokenObjects) {
  CK_SESSION_HANDLE rw = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(rw, "conf-ro-destroy", kTrue, kFalse);
  ASSERT_NE(o, CK_INVALID_HANDLE);
  CK_SESSION_HANDLE ro = OpenSession(false);
  EXPECT_EQ(f_->C_DestroyObject(ro, o), CKR_SESSION_READ_ONLY);
  EXPECT_EQ(f_->C_DestroyObject(rw, o), CKR_OK);
}

TEST_P(ObjectTest, PrivateObjectNeedsLoginToCreateAndToSee) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, cls), Attr(CKA_TOKEN, kTrue), Attr(CKA_PRIVATE, kTrue),
                      AttrStr(CKA_LABEL, "conf-private-data")};
  CK_OBJECT_HANDLE o = 0;
  EXPECT_EQ(f_->C_CreateObject(s, t, 4, &o), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
  ASSERT_EQ(f_->C_CreateObject(s, t, 4, &o), CKR_OK);
  EXPECT_EQ(Find(s, {AttrStr(CKA_LABEL, "conf-private-data")}).size(), 1u);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  // Section 4.4 / 5.7: private objects are invisible to a public session.
  EXPECT_TRUE(Find(s, {AttrStr(CKA_LABEL, "conf-private-data")}).empty());
  CK_ULONG got = 0;
  CK_ATTRIBUTE a = Attr(CKA_CLASS, got);
  CK_RV rv = f_->C_GetAttributeValue(s, o, &a, 1);
  EXPECT_TRUE(rv == CKR_OBJECT_HANDLE_INVALID || rv == CKR_USER_NOT_LOGGED_IN) << "got 0x" << std::hex << rv;
  ASSERT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
  // Section 2.4 (objects): a handle need only stay valid while the object stays accessible to the session, so
  // after the logout it is looked up again.
  auto again = Find(s, {AttrStr(CKA_LABEL, "conf-private-data")});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(f_->C_DestroyObject(s, again[0]), CKR_OK);
}

TEST_P(ObjectTest, MissingClassOrValueIsTemplateIncomplete) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE o = 0;
  CK_ATTRIBUTE no_class[] = {AttrStr(CKA_LABEL, "conf-no-class")};
  EXPECT_EQ(f_->C_CreateObject(s, no_class, 1, &o), CKR_TEMPLATE_INCOMPLETE);
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE kt = CKK_AES;
  CK_ATTRIBUTE no_value[] = {Attr(CKA_CLASS, cls), Attr(CKA_KEY_TYPE, kt)};
  // Section 4.7.2 / 4.10: CKA_VALUE is required when creating an AES secret key.
  EXPECT_EQ(f_->C_CreateObject(s, no_value, 2, &o), CKR_TEMPLATE_INCOMPLETE);
}

TEST_P(ObjectTest, BadValuesAndUnknownAttributesAreRefused) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE o = 0;
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_ATTRIBUTE unknown[] = {Attr(CKA_CLASS, cls), AttrStr(CKA_VENDOR_DEFINED | 0x7a7a0001, "x")};
  EXPECT_EQ(f_->C_CreateObject(s, unknown, 2, &o), CKR_ATTRIBUTE_TYPE_INVALID);
  CK_BYTE short_class = 0;
  CK_ATTRIBUTE bad_class_len[] = {Attr(CKA_CLASS, short_class)};
  ExpectRv(f_->C_CreateObject(s, bad_class_len, 1, &o), CKR_ATTRIBUTE_VALUE_INVALID, CKR_TEMPLATE_INCOMPLETE,
           "a 1-byte CKA_CLASS is treated as a missing class");
  CK_OBJECT_CLASS key_class = CKO_SECRET_KEY;
  CK_KEY_TYPE kt = CKK_AES;
  Bytes seven(7, 0x41);
  CK_ATTRIBUTE bad_aes[] = {Attr(CKA_CLASS, key_class), Attr(CKA_KEY_TYPE, kt), AttrBytes(CKA_VALUE, seven)};
  // An AES key is 16, 24 or 32 bytes (section 2.8.1 of the current mechanisms specification).
  ExpectRv(f_->C_CreateObject(s, bad_aes, 3, &o), CKR_ATTRIBUTE_VALUE_INVALID, CKR_OK,
           "a 7-byte AES CKA_VALUE is accepted");
}

TEST_P(ObjectTest, ConflictingOrTokenSetAttributesAreRefused) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE o = 0;
  CK_OBJECT_CLASS data = CKO_DATA, cert = CKO_CERTIFICATE;
  // The same attribute twice with different values cannot both hold: CKR_TEMPLATE_INCONSISTENT (section 5.7).
  CK_ATTRIBUTE twice[] = {Attr(CKA_CLASS, data), Attr(CKA_CLASS, cert)};
  CK_RV rv = f_->C_CreateObject(s, twice, 2, &o);
  ExpectRv(rv, CKR_TEMPLATE_INCONSISTENT, CKR_TEMPLATE_INCOMPLETE,
           "two different CKA_CLASS values are reported as an incomplete template");
  CK_OBJECT_CLASS key_class = CKO_SECRET_KEY;
  CK_KEY_TYPE kt = CKK_AES;
  Bytes value(16, 0x42);
  // CKA_LOCAL is set by the token only (section 4.7, footnote 2): an application may not specify it.
  CK_ATTRIBUTE local[] = {Attr(CKA_CLASS, key_class), Attr(CKA_KEY_TYPE, kt), AttrBytes(CKA_VALUE, value),
                          Attr(CKA_LOCAL, kTrue)};
  rv = f_->C_CreateObject(s, local, 4, &o);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_TEMPLATE_INCONSISTENT) << "got 0x" << std::hex << rv;
}

TEST_P(ObjectTest, SetAttributeValueChangesLabelButNotClass) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-set-label", kFalse, kFalse);
  CK_ATTRIBUTE relabel = AttrStr(CKA_LABEL, "conf-relabelled");
  ASSERT_EQ(f_->C_SetAttributeValue(s, o, &relabel, 1), CKR_OK);
  Bytes label = GetBytes(s, o, CKA_LABEL);
  EXPECT_EQ(std::string(label.begin(), label.end()), "conf-relabelled");
  CK_OBJECT_CLASS cert = CKO_CERTIFICATE;
  CK_ATTRIBUTE reclass = Attr(CKA_CLASS, cert);
  EXPECT_EQ(f_->C_SetAttributeValue(s, o, &reclass, 1), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(f_->C_SetAttributeValue(s, o, nullptr, 1), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_SetAttributeValue(s, kBogusObject, &relabel, 1), CKR_OBJECT_HANDLE_INVALID);
}

TEST_P(ObjectTest, SensitiveOnlyTurnsOnAndExtractableOnlyOff) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s, {Attr(CKA_SENSITIVE, kFalse), Attr(CKA_EXTRACTABLE, kTrue)});
  ASSERT_NE(key, CK_INVALID_HANDLE);
  CK_ATTRIBUTE on = Attr(CKA_SENSITIVE, kTrue);
  ASSERT_EQ(f_->C_SetAttributeValue(s, key, &on, 1), CKR_OK);
  CK_ATTRIBUTE off = Attr(CKA_SENSITIVE, kFalse);
  // Section 4.7 footnote 11: CKA_SENSITIVE can only be changed to TRUE.
  EXPECT_EQ(f_->C_SetAttributeValue(s, key, &off, 1), CKR_ATTRIBUTE_READ_ONLY);
  CK_ATTRIBUTE unextractable = Attr(CKA_EXTRACTABLE, kFalse);
  ASSERT_EQ(f_->C_SetAttributeValue(s, key, &unextractable, 1), CKR_OK);
  CK_ATTRIBUTE extractable = Attr(CKA_EXTRACTABLE, kTrue);
  // Footnote 12: CKA_EXTRACTABLE can only be changed to FALSE.
  EXPECT_EQ(f_->C_SetAttributeValue(s, key, &extractable, 1), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(GetBool(s, key, CKA_SENSITIVE), CK_TRUE);
  EXPECT_EQ(GetBool(s, key, CKA_EXTRACTABLE), CK_FALSE);
}

TEST_P(ObjectTest, CopyObjectCopiesWithNewLabelButCannotLowerProtection) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-copy-src", kFalse, kFalse);
  CK_ATTRIBUTE relabel = AttrStr(CKA_LABEL, "conf-copy-dst");
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_EQ(f_->C_CopyObject(s, o, &relabel, 1, &copy), CKR_OK);
  EXPECT_NE(copy, o);
  Bytes label = GetBytes(s, copy, CKA_LABEL);
  EXPECT_EQ(std::string(label.begin(), label.end()), "conf-copy-dst");
  EXPECT_EQ(GetBytes(s, copy, CKA_VALUE), GetBytes(s, o, CKA_VALUE));
  EXPECT_EQ(f_->C_CopyObject(s, o, &relabel, 1, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_CopyObject(s, kBogusObject, &relabel, 1, &copy), CKR_OBJECT_HANDLE_INVALID);
  CK_OBJECT_HANDLE key = MakeAesKey(s);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  CK_ATTRIBUTE unsensitive = Attr(CKA_SENSITIVE, kFalse);
  // Section 5.7 (C_CopyObject): the copy follows C_SetAttributeValue's rules, so SENSITIVE cannot go to FALSE.
  ExpectRv(f_->C_CopyObject(s, key, &unsensitive, 1, &copy), CKR_ATTRIBUTE_READ_ONLY, CKR_OK,
           "C_CopyObject makes a non-sensitive copy of a sensitive key");
}

TEST_P(ObjectTest, ObjectSizeIsReportedOrDeclined) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-size", kFalse, kFalse);
  CK_ULONG size = 0;
  CK_RV rv = f_->C_GetObjectSize(s, o, &size);
  // Section 5.7: the size may be CK_UNAVAILABLE_INFORMATION; if it is given it must be positive.
  ASSERT_EQ(rv, CKR_OK);
  EXPECT_GT(size, 0u);
  EXPECT_EQ(f_->C_GetObjectSize(s, o, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_GetObjectSize(s, kBogusObject, &size), CKR_OBJECT_HANDLE_INVALID);
}

TEST_P(ObjectTest, SessionObjectsVanishWithTheirSession) {
  CK_SESSION_HANDLE keeper = OpenSession(false);
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-session-scoped", kFalse, kFalse);
  EXPECT_EQ(Find(keeper, {AttrStr(CKA_LABEL, "conf-session-scoped")}).size(), 1u);
  ASSERT_EQ(f_->C_CloseSession(s), CKR_OK);
  EXPECT_TRUE(Find(keeper, {AttrStr(CKA_LABEL, "conf-session-scoped")}).empty());
  CK_ULONG cls = 0;
  CK_ATTRIBUTE a = Attr(CKA_CLASS, cls);
  EXPECT_EQ(f_->C_GetAttributeValue(keeper, o, &a, 1), CKR_OBJECT_HANDLE_INVALID);
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(ObjectTest);

}  // namespace cf::conformance
