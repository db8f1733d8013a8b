// The object cache's incremental path (ObjectCache::ApplyOwnWrite, issue 7): after C_CreateObject and
// C_DestroyObject the cache takes the one write in without re-listing the store. These tests pin that what a find
// sees afterwards is exactly what a full reload would see: new and removed objects, the latest version of a label,
// and a write made meanwhile by another process (which must force the full reload).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "p11_fixture.h"
#include "pkcs11/include/cf_pkcs11.h"

namespace cf::p11::test {
namespace {

class CacheWriteTest : public ModuleTest {
 protected:
  CK_OBJECT_HANDLE Data(CK_SESSION_HANDLE s, const std::string& label) {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    EXPECT_EQ(Create(s,
                     {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Bool(CKA_PRIVATE, true), Str(CKA_LABEL, label),
                      Str(CKA_VALUE, "value of " + label)},
                     &h),
              CKR_OK);
    return h;
  }
  size_t Count(CK_SESSION_HANDLE s, const std::string& label) {
    return Find(s, {Ulong(CKA_CLASS, CKO_DATA), Str(CKA_LABEL, label)}).size();
  }
};

TEST_F(CacheWriteTest, CreatedAndDestroyedObjectsAreFoundAtOnce) {
  CK_SESSION_HANDLE s = OpenUser();
  ASSERT_EQ(Count(s, "a"), 0u);  // the cache is loaded before the writes, so they take the incremental path
  CK_OBJECT_HANDLE a = Data(s, "a");
  Data(s, "b");
  EXPECT_EQ(Count(s, "a"), 1u);
  EXPECT_EQ(Count(s, "b"), 1u);
  ASSERT_EQ(f_->C_DestroyObject(s, a), CKR_OK);
  EXPECT_EQ(Count(s, "a"), 0u);
  EXPECT_EQ(Count(s, "b"), 1u);
  std::vector<unsigned char> value;
  EXPECT_EQ(GetAttr(s, a, CKA_VALUE, &value), CKR_OBJECT_HANDLE_INVALID);
}

TEST_F(CacheWriteTest, ANewVersionLeavesTheOldOneVisibleAndCfLatestMarksTheNewest) {
  // Issue 12: objects created through PKCS#11 never hide each other; the cache keeps CKA_CF_LATEST exact.
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE v1 = Data(s, "k");
  CK_OBJECT_HANDLE v2 = Data(s, "k");  // same label and type: version 2 of the entry, its own object
  ASSERT_NE(v1, v2);
  EXPECT_EQ(GetUlong(s, v2, CKA_CF_VERSION), 2u);
  auto found = Find(s, {Ulong(CKA_CLASS, CKO_DATA), Str(CKA_LABEL, "k")});
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<CK_OBJECT_HANDLE>{std::min(v1, v2), std::max(v1, v2)}));
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "k"), Bool(CKA_CF_LATEST, true)}), std::vector<CK_OBJECT_HANDLE>{v2});
  ASSERT_EQ(f_->C_DestroyObject(s, v2), CKR_OK);
  found = Find(s, {Ulong(CKA_CLASS, CKO_DATA), Str(CKA_LABEL, "k")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], v1);
  EXPECT_TRUE(GetBool(s, v1, CKA_CF_LATEST));  // version 1 is the latest again
}

TEST_F(CacheWriteTest, AnotherProcessesWriteIsSeenAfterOurNextCreate) {
  CK_SESSION_HANDLE s = OpenUser();
  ASSERT_EQ(Count(s, "from-child"), 0u);
  pid_t child = fork();
  if (child == 0) {
    // The child goes on with the inherited module (ARCHITECTURE.md, fork case a) and writes one object.
    CK_SESSION_HANDLE cs = CK_INVALID_HANDLE;
    CK_RV rv = f_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &cs);
    std::vector<Attr> t = {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Bool(CKA_PRIVATE, true),
                           Str(CKA_LABEL, "from-child")};
    auto v = View(t);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    if (rv == CKR_OK) rv = f_->C_CreateObject(cs, v.data(), v.size(), &h);
    _exit(rv == CKR_OK ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  Data(s, "from-parent");  // the counter moved by more than our write: the cache must reload, not patch
  EXPECT_EQ(Count(s, "from-parent"), 1u);
  EXPECT_EQ(Count(s, "from-child"), 1u);
}

}  // namespace
}  // namespace cf::p11::test
