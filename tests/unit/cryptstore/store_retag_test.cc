// Store::Retag (issue 12): an entry renamed in place keeps its id, takes the next version of its new tag/type, is
// sealed under its new name, and is seen renamed by another connection; every backend alike.
#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using StoreRetag = StoreTest;

TEST_P(StoreRetag, KeepsIdAndTakesTheNextVersionOfTheNewTag) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  auto moved = s->Put(MakeEntry("old", "payload"));
  ASSERT_TRUE(s->Put(MakeEntry("new", "first")).ok());
  ASSERT_TRUE(s->Put(MakeEntry("new", "second")).ok());
  ASSERT_TRUE(moved.ok());
  auto info = s->Retag(moved->id, "new", AsBytes(std::string("renamed")), true);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->id, moved->id);
  EXPECT_EQ(info->tag, "new");
  EXPECT_EQ(info->version, 3);  // never collides with versions 1 and 2 already there
  EXPECT_NE(info->revision, moved->revision);
  EXPECT_TRUE(info->exportable);
  EXPECT_EQ(s->Get("old", "binary-blob").status().code(), Code::kNotFound);
  EXPECT_EQ(BlobText(*s->Get("new", "binary-blob", 0)), "renamed");
  auto by_id = s->GetById(moved->id);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->info.tag, "new");
  EXPECT_EQ(BlobText(*by_id), "renamed");
}

TEST_P(StoreRetag, SameTagKeepsTheVersionAndAFreshTagStartsAtOne) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Put(MakeEntry("k", "a")).ok());
  auto e = s->Put(MakeEntry("k", "b"));
  ASSERT_TRUE(e.ok());
  auto same = s->Retag(e->id, "k", AsBytes(std::string("b2")), false);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, 2);
  auto fresh = s->Retag(e->id, "brand-new", AsBytes(std::string("b3")), false);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->version, 1);
}

TEST_P(StoreRetag, UserTierEntryIsResealedAndAnotherConnectionSeesTheRename) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->SetSoPin(SecureString("so-pin")).ok());
  ASSERT_TRUE(s->Login(Role::kSecurityOfficer, SecureString("so-pin")).ok());
  ASSERT_TRUE(s->InitUserPin(SecureString("1234")).ok());
  s->Logout();
  ASSERT_TRUE(s->Login(Role::kUser, SecureString("1234")).ok());
  auto e = s->Put(MakeEntry("secret", "value", 0, Tier::kUser));
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(s->Retag(e->id, "renamed-secret", AsBytes(std::string("value2")), false).ok());
  auto other = OpenOrDie();
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->Login(Role::kUser, SecureString("1234")).ok());
  auto got = other->GetById(e->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();  // the envelope opens under the new tag/version AAD
  EXPECT_EQ(got->info.tag, "renamed-secret");
  EXPECT_EQ(BlobText(*got), "value2");
}

TEST_P(StoreRetag, MissingIdIsNotFoundAndBadTagIsRefused) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Retag(4242, "x", AsBytes(std::string("y")), false).status().code(), Code::kNotFound);
  auto e = s->Put(MakeEntry("k", "a"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(s->Retag(e->id, "", AsBytes(std::string("y")), false).status().code(), Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRetag, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

}  // namespace
}  // namespace cf::store::testing
