// Entry behaviour every backend must share: the framework's version rules, round trips, bad input, tiers, meta.
#include <limits>

#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using StoreEntries = StoreTest;

TEST_P(StoreEntries, PutWithoutVersionTakesLatestPlusOne) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Put(MakeEntry("k", "a"))->version, 1);
  EXPECT_EQ(s->Put(MakeEntry("k", "b"))->version, 2);
  EXPECT_EQ(s->Put(MakeEntry("k", "c", 7))->version, 7);
  EXPECT_EQ(s->Put(MakeEntry("k", "d"))->version, 8);
  auto range = s->Versions("k", "binary-blob");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->earliest, 1);
  EXPECT_EQ(range->latest, 8);
}

TEST_P(StoreEntries, GetVersionZeroReturnsLatestAndExactVersionReturnsThatOne) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Put(MakeEntry("k", "one")).ok());
  ASSERT_TRUE(s->Put(MakeEntry("k", "two")).ok());
  EXPECT_EQ(BlobText(*s->Get("k", "binary-blob", 0)), "two");
  EXPECT_EQ(BlobText(*s->Get("k", "binary-blob", 1)), "one");
  EXPECT_EQ(BlobText(*s->Get("k", "", 0)), "two");
  EXPECT_EQ(s->Get("k", "binary-blob", 3).status().code(), Code::kNotFound);
  EXPECT_EQ(s->Get("nope", "binary-blob").status().code(), Code::kNotFound);
}

TEST_P(StoreEntries, DuplicateVersionIsAVersionConflict) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Put(MakeEntry("k", "a", 3)).ok());
  EXPECT_EQ(s->Put(MakeEntry("k", "b", 3)).status().code(), Code::kVersionConflict);
  EXPECT_EQ(BlobText(*s->Get("k", "binary-blob", 3)), "a");
}

TEST_P(StoreEntries, RefusesToWrapPastTheLargestVersion) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Put(MakeEntry("k", "max", std::numeric_limits<int32_t>::max())).ok());
  auto next = s->Put(MakeEntry("k", "wrap"));
  EXPECT_EQ(next.status().code(), Code::kVersionConflict) << next.status().ToString();
  EXPECT_EQ(s->List()->size(), 1u);
}

TEST_P(StoreEntries, RejectsBadTagsVersionsAndBlobs) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Put(MakeEntry("", "x")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s->Put(MakeEntry("bad\xff\xfe", "x")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s->Put(MakeEntry("over\xc0\xaf", "x")).status().code(), Code::kInvalidArgument);  // overlong
  EXPECT_EQ(s->Put(MakeEntry(std::string(kMaxTagSize + 1, 't'), "x")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s->Put(MakeEntry("k", "x", -1)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s->Get("k", "binary-blob", -5).status().code(), Code::kInvalidArgument);
  NewEntry big = MakeEntry("big", "");
  big.blob.resize(kMaxBlobSize + 1);
  EXPECT_EQ(s->Put(big).status().code(), Code::kResourceExhausted);
  EXPECT_TRUE(s->List()->empty());
  EXPECT_TRUE(s->Put(MakeEntry("ünïcödé ключ", "ok")).ok());
}

TEST_P(StoreEntries, TenMebibyteBlobRoundTrips) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  NewEntry e = MakeEntry("big", "");
  e.blob.resize(10u << 20);
  for (size_t i = 0; i < e.blob.size(); ++i) e.blob[i] = static_cast<uint8_t>(i * 31);
  ASSERT_TRUE(s->Put(e).ok());
  s.reset();
  s = OpenOrDie();
  auto got = s->Get("big", "binary-blob");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->blob == e.blob);
}

TEST_P(StoreEntries, EntriesAndMetadataSurviveReopen) {
  uint64_t id = 0;
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s);
    NewEntry e = MakeEntry("key", "secret", 4);
    e.exportable = true;
    e.time_entered = "2026-01-02T03:04:05Z";
    auto info = s->Put(e);
    ASSERT_TRUE(info.ok());
    id = info->id;
    ASSERT_TRUE(s->PutMeta("label", AsBytes("my token")).ok());
  }
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  auto got = s->GetById(id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(BlobText(*got), "secret");
  EXPECT_EQ(got->info.version, 4);
  EXPECT_TRUE(got->info.exportable);
  EXPECT_EQ(got->info.time_entered, "2026-01-02T03:04:05Z");
  auto label = s->GetMeta("label");
  ASSERT_TRUE(label.ok() && label->has_value());
  EXPECT_EQ(AsString(**label), "my token");
  EXPECT_FALSE(s->GetMeta("absent")->has_value());
}

TEST_P(StoreEntries, UpdateChangesRevisionAndRemoveNeverReusesIds) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  auto a = s->Put(MakeEntry("a", "1"));
  auto b = s->Put(MakeEntry("b", "2"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(s->Update(a->id, AsBytes("changed"), true).ok());
  auto got = s->GetById(a->id);
  EXPECT_EQ(BlobText(*got), "changed");
  EXPECT_NE(got->info.revision, a->revision);
  EXPECT_TRUE(got->info.exportable);
  ASSERT_TRUE(s->Remove(b->id).ok());
  EXPECT_EQ(s->Remove(b->id).code(), Code::kNotFound);
  auto c = s->Put(MakeEntry("c", "3"));
  EXPECT_GT(c->id, b->id);
  EXPECT_EQ(s->GetById(b->id).status().code(), Code::kNotFound);
}

TEST_P(StoreEntries, ChangeCounterMovesOnEveryWriteFromAnyConnection) {
  auto s1 = OpenOrDie();
  auto s2 = OpenOrDie();
  ASSERT_TRUE(s1 && s2);
  uint64_t c1 = *s1->ChangeCounter();
  uint64_t c2 = *s2->ChangeCounter();
  ASSERT_TRUE(s2->Put(MakeEntry("x", "1")).ok());
  EXPECT_NE(*s1->ChangeCounter(), c1);
  EXPECT_NE(*s2->ChangeCounter(), c2);
  EXPECT_EQ(s1->List()->size(), 1u);  // s1's cache saw s2's write
}

TEST_P(StoreEntries, ObservedCounterMovesByOneForAnOwnWriteAndByMoreWhenItMetAnotherCommit) {
  // The object cache patches itself after its own write only when the counter moved by exactly one from what it
  // last saw; a write that met another connection's commit must move it further, or the cache would miss it.
  auto s1 = OpenOrDie();
  auto s2 = OpenOrDie();
  ASSERT_TRUE(s1 && s2);
  uint64_t before = *s1->ObservedChangeCounter();
  ASSERT_TRUE(s1->Put(MakeEntry("own", "1")).ok());
  EXPECT_EQ(*s1->ObservedChangeCounter(), before + 1);
  before = *s1->ObservedChangeCounter();  // what s1's cache last saw
  ASSERT_TRUE(s2->Put(MakeEntry("other", "2")).ok());
  ASSERT_TRUE(s1->Put(MakeEntry("own", "3")).ok());
  EXPECT_GT(*s1->ObservedChangeCounter(), before + 1);
  EXPECT_EQ(s1->List()->size(), 3u);
}

TEST_P(StoreEntries, TypeEmptyIsAmbiguousWhenTagHasSeveralTypes) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  NewEntry e = MakeEntry("k", "x");
  ASSERT_TRUE(s->Put(e).ok());
  e.type = "X509-der-cert";
  ASSERT_TRUE(s->Put(e).ok());
  EXPECT_EQ(s->Get("k", "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s->Get("k", "X509-der-cert")->info.version, 1);
}

TEST_P(StoreEntries, UserTierNeedsLoginAndPlatformTierDoesNot) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Put(MakeEntry("u", "x", 0, Tier::kUser)).status().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(s->SetSoPin(SecureString("so-pin")).ok());
  ASSERT_TRUE(s->InitUserPin(SecureString("1234")).ok());
  ASSERT_TRUE(s->Put(MakeEntry("u", "private", 0, Tier::kUser)).ok());
  ASSERT_TRUE(s->Put(MakeEntry("p", "public")).ok());
  s->Logout();
  EXPECT_EQ(s->Get("u", "binary-blob").status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(BlobText(*s->Get("p", "binary-blob")), "public");
  s.reset();
  s = OpenOrDie();
  ASSERT_TRUE(s->Login(Role::kUser, SecureString("1234")).ok());
  EXPECT_EQ(BlobText(*s->Get("u", "binary-blob")), "private");
}

TEST_P(StoreEntries, PutManyIsAllOrNothing) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Put(MakeEntry("taken", "x", 2)).ok());
  auto failed = s->PutMany({MakeEntry("a", "1"), MakeEntry("taken", "y", 2)});
  EXPECT_EQ(failed.status().code(), Code::kVersionConflict);
  EXPECT_EQ(s->List()->size(), 1u);
  auto ok = s->PutMany({MakeEntry("a", "1"), MakeEntry("a", "2"), MakeEntry("b", "3")});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[1].version, 2);
  EXPECT_EQ(BlobText(*s->Get("a", "binary-blob")), "2");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreEntries, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

}  // namespace
}  // namespace cf::store::testing
