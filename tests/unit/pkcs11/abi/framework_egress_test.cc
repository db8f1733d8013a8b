// Issue 11 items 1, 2 and 4 through the module and cf-osutility on one token, each attack performed: an export
// with the user PIN never writes the token's keys; a non-exportable framework secret's value is not readable
// through PKCS#11. Issue 12's framework side: the OS's entries survive C_InitToken and refuse C_DestroyObject.
#include "framework_fixture.h"
#include "p11_fixture.h"

namespace cf::p11::test {
namespace {

class FrameworkEgressTest : public FrameworkEntryTest {};

TEST_F(FrameworkEgressTest, ExportWithTheUserPinNeverWritesTheTokensKeys) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE sensitive, extractable;
  ASSERT_EQ(GenerateAes(s, {Bool(CKA_TOKEN, true), Str(CKA_LABEL, "never-in-clear")}, &sensitive), CKR_OK);
  ASSERT_EQ(GenerateAes(s,
                        {Bool(CKA_TOKEN, true), Str(CKA_LABEL, "wrap-only-exit"), Bool(CKA_EXTRACTABLE, true),
                         Bool(CKA_SENSITIVE, false)},
                        &extractable),
            CKR_OK);
  std::string file = dir_ + "/export.bin", err;
  ASSERT_TRUE(OsUtility("--export-cryptstore " + file + " --pin " + kUserPin, &err)) << err;
  std::string exported = ReadText(file);
  std::remove(file.c_str());
  EXPECT_EQ(exported.find("cf-pkcs11-secret-key"), std::string::npos);
  EXPECT_EQ(exported.find("never-in-clear"), std::string::npos);
  EXPECT_EQ(exported.find("wrap-only-exit"), std::string::npos);
  EXPECT_NE(err.find("exported 0 entries, withheld 2"), std::string::npos) << err;
  EXPECT_NE(err.find("object the PKCS#11 module owns"), std::string::npos) << err;
  // cf-osutility --get-item does not read the token's objects either, PIN or not.
  EXPECT_FALSE(
      OsUtility("--get-item --tag never-in-clear --type cf-pkcs11-secret-key --pin " + std::string(kUserPin), &err));
  EXPECT_NE(err.find("read it through PKCS#11"), std::string::npos) << err;
}

TEST_F(FrameworkEgressTest, NonExportableFrameworkSecretIsNotReadableThroughPkcs11) {
  ASSERT_TRUE(PutFile("vault", "binary-blob", {'s', 'e', 'c', 'r', 'e', 't'}));
  ASSERT_TRUE(PutFile("shared", "binary-blob", {'o', 'k'}, "--exportable"));
  // A key message the module cannot map to a key object is shown as data: its value is a key.
  ASSERT_TRUE(PutFile("odd-key", "key-message-serialized-protobuf",
                      {0x0a, 0x03, 'o', 'd', 'd', 0x12, 0x04, 'x', 'y', 'z', 'w'}));
  CK_SESSION_HANDLE s = OpenUser();
  std::vector<unsigned char> v;
  auto vault = Find(s, {Str(CKA_LABEL, "vault")});
  ASSERT_EQ(vault.size(), 1u);
  EXPECT_EQ(GetAttr(s, vault[0], CKA_VALUE, &v), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_FALSE(GetBool(s, vault[0], CKA_COPYABLE));
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  EXPECT_NE(f_->C_CopyObject(s, vault[0], nullptr, 0, &copy), CKR_OK);
  // Searching by value is no oracle either.
  EXPECT_TRUE(Find(s, {Raw(CKA_VALUE, {'s', 'e', 'c', 'r', 'e', 't'})}).empty());
  auto odd = Find(s, {Str(CKA_LABEL, "odd-key")});
  ASSERT_EQ(odd.size(), 1u);
  EXPECT_EQ(GetUlong(s, odd[0], CKA_CLASS), CKO_DATA);
  EXPECT_EQ(GetAttr(s, odd[0], CKA_VALUE, &v), CKR_ATTRIBUTE_SENSITIVE);
  auto shared = Find(s, {Str(CKA_LABEL, "shared")});
  ASSERT_EQ(shared.size(), 1u);
  ASSERT_EQ(GetAttr(s, shared[0], CKA_VALUE, &v), CKR_OK);
  EXPECT_EQ(std::string(v.begin(), v.end()), "ok");
}

TEST_F(FrameworkEgressTest, FrameworkEntriesSurviveInitTokenAndRefuseDestroy) {
  ASSERT_TRUE(OsUtility("--generate-and-save-key --public-key-algorithm ecc-256 --tag host-key"));
  ASSERT_TRUE(PutFile("volume-key", "binary-blob", {'v'}));
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE own;
  ASSERT_EQ(GenerateAes(s, {Bool(CKA_TOKEN, true), Str(CKA_LABEL, "app-key")}, &own), CKR_OK);
  auto host = Find(s, {Str(CKA_LABEL, "host-key"), Ulong(CKA_CLASS, CKO_PRIVATE_KEY)});
  ASSERT_EQ(host.size(), 1u);
  EXPECT_FALSE(GetBool(s, host[0], CKA_DESTROYABLE));
  EXPECT_EQ(f_->C_DestroyObject(s, host[0]), CKR_ACTION_PROHIBITED);
  ASSERT_EQ(f_->C_CloseAllSessions(slot_), CKR_OK);

  CK_UTF8CHAR label[32];
  std::memset(label, ' ', sizeof(label));
  ASSERT_EQ(f_->C_InitToken(slot_, Pin(kSoPin), 8, label), CKR_OK);
  CK_SESSION_HANDLE so = OpenRw();
  ASSERT_EQ(f_->C_Login(so, CKU_SO, Pin(kSoPin), 8), CKR_OK);
  ASSERT_EQ(f_->C_InitPIN(so, Pin("5678"), 4), CKR_OK);
  ASSERT_EQ(f_->C_Logout(so), CKR_OK);
  ASSERT_EQ(f_->C_Login(so, CKU_USER, Pin("5678"), 4), CKR_OK);
  EXPECT_TRUE(Find(so, {Str(CKA_LABEL, "app-key")}).empty()) << "the token's own objects are destroyed";
  EXPECT_EQ(Find(so, {Str(CKA_LABEL, "host-key")}).size(), 2u);  // private and public halves
  EXPECT_EQ(Find(so, {Str(CKA_LABEL, "volume-key")}).size(), 1u);
  EXPECT_EQ(TokenFlags() & CKF_USER_PIN_INITIALIZED, CKF_USER_PIN_INITIALIZED);
}

TEST_F(FrameworkEgressTest, PinTierFrameworkEntriesStayReadableAfterInitToken) {
  ASSERT_TRUE(PutFile("pin-secret", "binary-blob", {'p', 'w'}, "--exportable --pin " + std::string(kUserPin)));
  CK_UTF8CHAR label[32];
  std::memset(label, ' ', sizeof(label));
  ASSERT_EQ(f_->C_InitToken(slot_, Pin(kSoPin), 8, label), CKR_OK);
  EXPECT_EQ(TokenFlags() & CKF_USER_PIN_INITIALIZED, 0u) << "C_InitToken removes the user PIN";
  CK_SESSION_HANDLE s = OpenRw();
  ASSERT_EQ(f_->C_Login(s, CKU_SO, Pin(kSoPin), 8), CKR_OK);
  ASSERT_EQ(f_->C_InitPIN(s, Pin("9999"), 4), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  ASSERT_EQ(f_->C_Login(s, CKU_USER, Pin("9999"), 4), CKR_OK);
  auto found = Find(s, {Str(CKA_LABEL, "pin-secret")});
  ASSERT_EQ(found.size(), 1u);
  std::vector<unsigned char> v;
  ASSERT_EQ(GetAttr(s, found[0], CKA_VALUE, &v), CKR_OK);
  EXPECT_EQ(std::string(v.begin(), v.end()), "pw");
  std::string err;
  EXPECT_FALSE(OsUtility("--get-item --tag pin-secret --pin " + std::string(kUserPin), &err))
      << "the old user PIN no longer opens the PIN tier";
}

}  // namespace
}  // namespace cf::p11::test
