// Durability pin for the sqlite backend: every acknowledged write has synced the WAL before it returns (what makes
// a C_CreateObject that returned CKR_OK survive a power cut), and a put costs one WAL sync, no more. Own
// executable: it interposes fdatasync/fsync for the whole process to count them per file.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>

#include "store_fixture.h"

namespace {

std::atomic<int> g_wal_syncs{0};
std::atomic<int> g_db_syncs{0};

void CountSync(int fd) {
  char link[64];
  std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  char target[4096];
  ssize_t n = ::readlink(link, target, sizeof(target));
  if (n <= 0) return;
  std::string_view path(target, static_cast<size_t>(n));
  if (path.ends_with("/store.db-wal")) ++g_wal_syncs;
  if (path.ends_with("/store.db")) ++g_db_syncs;
}

}  // namespace

// libsqlite3.so resolves these through the executable first (it references them, so the linker exports ours).
extern "C" int fdatasync(int fd) {
  CountSync(fd);
  return static_cast<int>(::syscall(SYS_fdatasync, fd));
}
extern "C" int fsync(int fd) {
  CountSync(fd);
  return static_cast<int>(::syscall(SYS_fsync, fd));
}

namespace cf::store::testing {
namespace {

class SqliteSync : public StoreTest {};

TEST_P(SqliteSync, EveryAcknowledgedWriteHasSyncedTheWal) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  int before = g_wal_syncs.load();
  auto put = store->Put(MakeEntry("k", "v1"));
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_GE(g_wal_syncs.load(), before + 1) << "Put returned before its commit reached the disk";
  before = g_wal_syncs.load();
  ASSERT_TRUE(store->Update(put->id, AsBytes(std::string("v2")), false).ok());
  EXPECT_GE(g_wal_syncs.load(), before + 1) << "Update returned before its commit reached the disk";
  before = g_wal_syncs.load();
  ASSERT_TRUE(store->PutMeta("label", AsBytes(std::string("x"))).ok());
  EXPECT_GE(g_wal_syncs.load(), before + 1) << "PutMeta returned before its commit reached the disk";
  before = g_wal_syncs.load();
  ASSERT_TRUE(store->Remove(put->id).ok());
  EXPECT_GE(g_wal_syncs.load(), before + 1) << "Remove returned before its commit reached the disk";
}

TEST_P(SqliteSync, APutCostsOneWalSyncAndNoDatabaseSyncBetweenCheckpoints) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put(MakeEntry("warm", "w")).ok());
  constexpr int kPuts = 40;  // ~4 WAL frames each: far below the 1000-frame autocheckpoint
  int wal_before = g_wal_syncs.load();
  int db_before = g_db_syncs.load();
  for (int i = 0; i < kPuts; ++i) ASSERT_TRUE(store->Put(MakeEntry("k" + std::to_string(i), "v")).ok());
  EXPECT_EQ(g_wal_syncs.load() - wal_before, kPuts);
  EXPECT_EQ(g_db_syncs.load() - db_before, 0);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteSync, ::testing::Values(Backend::kSqlite), BackendName);

}  // namespace
}  // namespace cf::store::testing
