// Object search (PKCS#11 3.0 section 5.7): C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal over all
// objects, by class, label and id; the operation state rules around a search.
#include <algorithm>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class FindTest : public P11Test {};

TEST_P(FindTest, FindsAllByClassByLabelAndById) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "ec", &pub, &priv));
  CK_OBJECT_HANDLE data = MakeDataObject(s, "conf-find-data", kFalse, kFalse);
  auto all = Find(s, {});
  EXPECT_NE(std::find(all.begin(), all.end(), pub), all.end());
  EXPECT_NE(std::find(all.begin(), all.end(), priv), all.end());
  EXPECT_NE(std::find(all.begin(), all.end(), data), all.end());
  CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
  auto privates = Find(s, {Attr(CKA_CLASS, priv_class)});
  EXPECT_NE(std::find(privates.begin(), privates.end(), priv), privates.end());
  EXPECT_EQ(std::find(privates.begin(), privates.end(), pub), privates.end());
  EXPECT_EQ(Find(s, {AttrStr(CKA_LABEL, "conf-find-data")}), std::vector<CK_OBJECT_HANDLE>{data});
  // The shared EC pair carries CKA_ID c0 02 on both halves (PKCS#11 3.0 section 4.8: ID pairs them).
  Bytes id = {0xc0, 0x02};
  auto by_id = Find(s, {AttrBytes(CKA_ID, id)});
  EXPECT_EQ(by_id.size(), 2u);
  EXPECT_EQ(Find(s, {Attr(CKA_CLASS, priv_class), AttrBytes(CKA_ID, id)}), std::vector<CK_OBJECT_HANDLE>{priv});
  EXPECT_TRUE(Find(s, {AttrStr(CKA_LABEL, "conf-no-such-label")}).empty());
}

TEST_P(FindTest, ResultsComeInBatchesWithoutRepeats) {
  CK_SESSION_HANDLE s = OpenSession(true);
  for (int i = 0; i < 5; ++i) MakeDataObject(s, "conf-find-batch", kFalse, kFalse);
  CK_OBJECT_CLASS data = CKO_DATA;
  CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, data), AttrStr(CKA_LABEL, "conf-find-batch")};
  ASSERT_EQ(f_->C_FindObjectsInit(s, t, 2), CKR_OK);
  std::vector<CK_OBJECT_HANDLE> seen;
  CK_OBJECT_HANDLE h[2];
  CK_ULONG n = 0;
  for (int guard = 0; guard < 10; ++guard) {
    ASSERT_EQ(f_->C_FindObjects(s, h, 2, &n), CKR_OK);
    ASSERT_LE(n, 2u);
    if (n == 0) break;
    seen.insert(seen.end(), h, h + n);
  }
  ASSERT_EQ(f_->C_FindObjectsFinal(s), CKR_OK);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen.size(), 5u);
}

TEST_P(FindTest, FindWithoutInitIsNotInitialized) {
  CK_SESSION_HANDLE s = OpenSession(false);
  CK_OBJECT_HANDLE h[4];
  CK_ULONG n = 0;
  EXPECT_EQ(f_->C_FindObjects(s, h, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_P(FindTest, SecondFindInitIsOperationActive) {
  CK_SESSION_HANDLE s = OpenSession(false);
  ASSERT_EQ(f_->C_FindObjectsInit(s, nullptr, 0), CKR_OK);
  EXPECT_EQ(f_->C_FindObjectsInit(s, nullptr, 0), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(f_->C_FindObjectsFinal(s), CKR_OK);
  EXPECT_EQ(f_->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_P(FindTest, FindChecksArguments) {
  CK_SESSION_HANDLE s = OpenSession(false);
  EXPECT_EQ(f_->C_FindObjectsInit(s, nullptr, 1), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_FindObjectsInit(0x7ffe4321, nullptr, 0), CKR_SESSION_HANDLE_INVALID);
  ASSERT_EQ(f_->C_FindObjectsInit(s, nullptr, 0), CKR_OK);
  CK_ULONG n = 0;
  CK_OBJECT_HANDLE h[1];
  EXPECT_EQ(f_->C_FindObjects(s, nullptr, 1, &n), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_FindObjects(s, h, 1, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_FindObjectsFinal(s), CKR_OK);
}

TEST_P(FindTest, PublicSessionFindsPublicKeyButNotPrivateKey) {
  CK_SESSION_HANDLE user = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(user, "ec", &pub, &priv));
  ASSERT_EQ(f_->C_Logout(user), CKR_OK);
  auto found = Find(user, {AttrStr(CKA_LABEL, "conf-shared-ec")});
  EXPECT_EQ(found, std::vector<CK_OBJECT_HANDLE>{pub});
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(FindTest);

}  // namespace cf::conformance
