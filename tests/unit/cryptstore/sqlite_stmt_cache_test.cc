// Pins the sqlite connection's prepared-statement cache (SqliteDb::Cached) and the write path that no longer reads
// data_version before its transaction: a lent statement never keeps a transaction open, nesting the same SQL is
// safe, and a write after another connection's commit still sees that commit.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "cryptstore/sqlite_db.h"
#include "store_fixture.h"

namespace cf::store::testing {
namespace {

class SqliteStmtCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    ASSERT_TRUE(db_.Open(dir_ + "/t.db", /*create=*/true, /*read_only=*/false).ok());
    ASSERT_TRUE(db_.Exec("PRAGMA journal_mode=WAL").ok());
    ASSERT_TRUE(db_.Exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES(1),(2),(3)").ok());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // No statement of the connection is mid-step and no read or write transaction is open.
  bool Idle() {
    for (sqlite3_stmt* s = sqlite3_next_stmt(db_.get(), nullptr); s != nullptr; s = sqlite3_next_stmt(db_.get(), s))
      if (sqlite3_stmt_busy(s)) return false;
    return sqlite3_txn_state(db_.get(), "main") == SQLITE_TXN_NONE;
  }
  std::string dir_;
  SqliteDb db_;
};

TEST_F(SqliteStmtCache, ReleasedStatementHoldsNoReadTransaction) {
  {
    auto stmt = db_.Cached("SELECT x FROM t ORDER BY x");
    ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
    auto row = (*stmt)->Step();
    ASSERT_TRUE(row.ok() && *row);  // stopped after the first of three rows: a read transaction is open now
    EXPECT_FALSE(Idle());
  }
  EXPECT_TRUE(Idle());
}

TEST_F(SqliteStmtCache, SameSqlIsParsedOnceAndStartsFromTheFirstRowEachTime) {
  int64_t first_seen[2] = {0, 0};
  for (int round = 0; round < 2; ++round) {
    auto stmt = db_.Cached("SELECT x FROM t WHERE x >= ? ORDER BY x");
    ASSERT_TRUE(stmt.ok());
    auto row = (*stmt)->Bind(1, int64_t{2}).Step();
    ASSERT_TRUE(row.ok() && *row);
    first_seen[round] = (*stmt)->Int(0);
  }
  EXPECT_EQ(first_seen[0], 2);
  EXPECT_EQ(first_seen[1], 2);
  int statements = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db_.get(), nullptr); s != nullptr; s = sqlite3_next_stmt(db_.get(), s))
    ++statements;
  EXPECT_EQ(statements, 1);  // the second round reused the first round's statement
}

TEST_F(SqliteStmtCache, NestedUseOfTheSameSqlDoesNotCutTheOuterShort) {
  auto outer = db_.Cached("SELECT x FROM t ORDER BY x");
  ASSERT_TRUE(outer.ok());
  auto first = (*outer)->Step();
  ASSERT_TRUE(first.ok() && *first);
  EXPECT_EQ((*outer)->Int(0), 1);
  {
    auto inner = db_.Cached("SELECT x FROM t ORDER BY x");
    ASSERT_TRUE(inner.ok());
    int rows = 0;
    for (;;) {
      auto r = (*inner)->Step();
      ASSERT_TRUE(r.ok());
      if (!*r) break;
      ++rows;
    }
    EXPECT_EQ(rows, 3);
  }
  auto second = (*outer)->Step();
  ASSERT_TRUE(second.ok() && *second);
  EXPECT_EQ((*outer)->Int(0), 2);
}

TEST_F(SqliteStmtCache, FailedStepLeavesTheStatementReusable) {
  ASSERT_TRUE(db_.Exec("CREATE UNIQUE INDEX t_x ON t(x)").ok());
  {
    auto ins = db_.Cached("INSERT INTO t VALUES(?)");
    ASSERT_TRUE(ins.ok());
    Status s = (*ins)->Bind(1, int64_t{1}).Run();
    EXPECT_EQ(s.code(), Code::kAlreadyExists) << s.ToString();
    EXPECT_EQ((*ins)->last_code(), SQLITE_CONSTRAINT_UNIQUE);
  }
  EXPECT_TRUE(Idle());
  auto ins = db_.Cached("INSERT INTO t VALUES(?)");
  ASSERT_TRUE(ins.ok());
  EXPECT_TRUE((*ins)->Bind(1, int64_t{4}).Run().ok());
}

class SqliteWritePath : public StoreTest {};

// Writes skip the read-only data_version check before their transaction; the check inside it must still bring in
// what another connection (another process, in production) committed meanwhile.
TEST_P(SqliteWritePath, PutAfterAnotherConnectionsCommitSeesItAndTakesTheNextVersion) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Put(MakeEntry("k", "a1")).ok());
  ASSERT_TRUE(b->Put(MakeEntry("k", "b2")).ok());  // version 2, unseen by a so far
  auto put = a->Put(MakeEntry("k", "a3"));
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->version, 3);
  auto listed = a->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
  auto got = a->Get("k", "binary-blob", 2);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(BlobText(*got), "b2");
}

TEST_P(SqliteWritePath, RemoveAndUpdateAfterAnotherConnectionsCommitKeepTheCacheRight) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_TRUE(a && b);
  auto mine = a->Put(MakeEntry("mine", "m"));
  ASSERT_TRUE(mine.ok());
  auto theirs = b->Put(MakeEntry("theirs", "t"));
  ASSERT_TRUE(theirs.ok());
  ASSERT_TRUE(a->Update(mine->id, AsBytes(std::string("m2")), true).ok());
  auto listed = a->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2u);  // b's entry came in with a's update
  ASSERT_TRUE(b->Remove(theirs->id).ok());
  ASSERT_TRUE(a->Remove(mine->id).ok());
  listed = a->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteWritePath, ::testing::Values(Backend::kSqlite), BackendName);

}  // namespace
}  // namespace cf::store::testing
