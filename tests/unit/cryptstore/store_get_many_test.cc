// Store::GetMany: one result per id, in the caller's order, so one missing, damaged or PIN-protected entry never
// hides the others; both backends agree (sqlite reads all rows in one statement when asked for many, only the rows
// asked for, in batches, when asked for a few of many; cf-file uses the GetById loop).
#include <sqlite3.h>

#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using StoreGetMany = StoreTest;

TEST_P(StoreGetMany, AnswersEveryIdInOrderIncludingRepeatsAndMissingOnes) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  uint64_t a = s->Put(MakeEntry("a", "alpha"))->id;
  uint64_t b = s->Put(MakeEntry("b", "bravo"))->id;
  auto got = s->GetMany({b, 999999, a, b});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 4u);
  ASSERT_TRUE((*got)[0].ok());
  EXPECT_EQ(BlobText(*(*got)[0]), "bravo");
  EXPECT_EQ((*got)[1].status().code(), Code::kNotFound);
  ASSERT_TRUE((*got)[2].ok());
  EXPECT_EQ(BlobText(*(*got)[2]), "alpha");
  EXPECT_EQ((*got)[2]->info.tag, "a");
  ASSERT_TRUE((*got)[3].ok()) << (*got)[3].status().ToString();
  EXPECT_EQ(BlobText(*(*got)[3]), "bravo");
  EXPECT_TRUE(s->GetMany({})->empty());
}

TEST_P(StoreGetMany, PinTierEntriesNeedLoginAndDoNotHideOthers) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->SetSoPin(SecureString("so")).ok());
  ASSERT_TRUE(s->InitUserPin(SecureString("1234")).ok());
  uint64_t priv = s->Put(MakeEntry("p", "private", 0, Tier::kUser))->id;
  uint64_t pub = s->Put(MakeEntry("q", "public"))->id;
  s->Logout();
  auto got = s->GetMany({priv, pub});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(BlobText(*(*got)[1]), "public");
  ASSERT_TRUE(s->Login(Role::kUser, SecureString("1234")).ok());
  got = s->GetMany({priv, pub});
  EXPECT_EQ(BlobText(*(*got)[0]), "private");
}

TEST_P(StoreGetMany, AFewIdsOfManyEntriesGetTheSameAnswersInBatches) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  std::vector<NewEntry> entries;
  for (int i = 0; i < 2100; ++i) entries.push_back(MakeEntry("e" + std::to_string(i), "blob " + std::to_string(i)));
  auto infos = s->PutMany(entries);
  ASSERT_TRUE(infos.ok()) << infos.status().ToString();
  // A few: one missing id and one repeat among them.
  auto got = s->GetMany({(*infos)[7].id, 999999, (*infos)[2000].id, (*infos)[7].id});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ(BlobText(*(*got)[0]), "blob 7");
  EXPECT_EQ((*got)[1].status().code(), Code::kNotFound);
  EXPECT_EQ(BlobText(*(*got)[2]), "blob 2000");
  EXPECT_EQ(BlobText(*(*got)[3]), "blob 7");
  // More than one statement's batch (256), still a few of the whole: every answer in the caller's order.
  std::vector<uint64_t> ids;
  for (int i = 0; i < 260; ++i) ids.push_back((*infos)[i * 8].id);
  got = s->GetMany(ids);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), ids.size());
  for (int i = 0; i < 260; ++i) {
    ASSERT_TRUE((*got)[i].ok()) << i;
    EXPECT_EQ(BlobText(*(*got)[i]), "blob " + std::to_string(i * 8));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreGetMany, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

class SqliteGetMany : public StoreTest {};

TEST_P(SqliteGetMany, TamperedRowIsCorruptAndTheRestAreRead) {
  uint64_t a = 0, b = 0;
  {
    auto s = OpenOrDie();
    a = s->Put(MakeEntry("a", "alpha"))->id;
    b = s->Put(MakeEntry("b", "bravo"))->id;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  std::string sql =
      "UPDATE entries SET sealed_blob = CAST(substr(sealed_blob, 1, 20) || X'55' || substr(sealed_blob, 22) AS BLOB) "
      "WHERE id = " +
      std::to_string(a);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = OpenOrDie();
  auto got = s->GetMany({a, b});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].status().code(), Code::kCorrupt);
  EXPECT_EQ(BlobText(*(*got)[1]), "bravo");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteGetMany, ::testing::Values(Backend::kSqlite), BackendName);

}  // namespace
}  // namespace cf::store::testing
