// Faults: tampered rows and files, another platform, missing files, unwritable directories, disk full, read-only.
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/atomic_file.h"
#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using StoreFaults = StoreTest;

TEST_P(StoreFaults, AnotherPlatformCannotOpenTheStore) {
  ASSERT_TRUE(OpenOrDie());
  StoreOptions o = Options();
  o.sealer = std::make_shared<TestSealer>();
  auto s = Store::Open(o);
  EXPECT_EQ(s.status().code(), Code::kUnauthenticated) << s.status().ToString();
}

TEST_P(StoreFaults, MissingStoreWithoutCreateIsNotFound) {
  StoreOptions o = Options();
  o.create_if_missing = false;
  EXPECT_EQ(Store::Open(o).status().code(), Code::kNotFound);
}

TEST_P(StoreFaults, UnwritableDirectoryIsPermissionDenied) {
  // Root ignores directory modes: then a child drops to "nobody" for the attempt.
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                         std::filesystem::perms::others_exec);
  if (::geteuid() != 0) {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    auto s = Store::Open(Options());
    EXPECT_EQ(s.status().code(), Code::kPermissionDenied) << s.status().ToString();
    return;
  }
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    auto s = Store::Open(Options());
    if (s.status().code() != Code::kPermissionDenied) fprintf(stderr, "child: %s\n", s.status().ToString().c_str());
    ::_exit(s.status().code() == Code::kPermissionDenied ? 0 : 11);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

TEST_P(StoreFaults, ReadOnlyOpenReadsButRefusesWrites) {
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s->Put(MakeEntry("k", "v")).ok());
  }
  StoreOptions o = Options();
  o.read_only = true;
  auto s = OpenOrDie(o);
  ASSERT_TRUE(s);
  EXPECT_EQ(BlobText(*s->Get("k", "binary-blob")), "v");
  EXPECT_EQ(s->Put(MakeEntry("k", "w")).status().code(), Code::kPermissionDenied);
}

// nginx workers run as another user and may not write the token directory: once the administrator makes the
// store readable to them, a read_only open must work without creating anything (no lock, -wal or -shm file).
TEST_P(StoreFaults, ReadOnlyOpenByAnotherUserInAnUnwritableDirectory) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s->Put(MakeEntry("k", "shared")).ok());
  }
  namespace fs = std::filesystem;
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
  std::vector<std::string> before;
  // The documented deployment: the readers' group (here nogroup, 65534) may read, others may not.
  for (const auto& f : fs::directory_iterator(dir_)) {
    fs::permissions(f.path(), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    ASSERT_EQ(::chown(f.path().c_str(), static_cast<uid_t>(-1), 65534), 0);
    before.push_back(f.path().filename().string());
  }
  int to_parent[2], to_child[2];
  ASSERT_EQ(::pipe(to_parent), 0);
  ASSERT_EQ(::pipe(to_child), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    StoreOptions o = Options();
    o.read_only = true;
    o.create_if_missing = false;
    auto s = Store::Open(o);
    if (!s.ok()) {
      fprintf(stderr, "read-only child: %s\n", s.status().ToString().c_str());
      ::_exit(11);
    }
    auto got = (*s)->Get("k", "binary-blob");
    if (!got.ok()) fprintf(stderr, "read-only child: %s\n", got.status().ToString().c_str());
    if (!got.ok() || BlobText(*got) != "shared") ::_exit(12);
    // The owner rotates the key while this reader stays open: the reader sees version 2 on its next call.
    char c = 1;
    if (::write(to_parent[1], &c, 1) != 1 || ::read(to_child[0], &c, 1) != 1) ::_exit(13);
    got = (*s)->Get("k", "binary-blob");
    if (!got.ok()) fprintf(stderr, "read-only child after rotation: %s\n", got.status().ToString().c_str());
    ::_exit(got.ok() && BlobText(*got) == "rotated" && got->info.version == 2 ? 0 : 14);
  }
  char c = 0;
  ASSERT_EQ(::read(to_parent[0], &c, 1), 1) << "the read-only child failed before the rotation";
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s->Put(MakeEntry("k", "rotated")).ok());
  }
  ASSERT_EQ(::write(to_child[1], &c, 1), 1);
  for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) ::close(fd);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  std::vector<std::string> after;
  for (const auto& f : fs::directory_iterator(dir_)) after.push_back(f.path().filename().string());
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(before, after) << "the read-only open created or removed files";
}

// Writes in a child whose file size limit is below the next write: the write fails cleanly and the store keeps
// everything written before. RLIMIT_FSIZE also stands in for a full disk (EFBIG vs ENOSPC map to one code).
TEST_P(StoreFaults, FileSizeLimitIsResourceExhaustedAndKeepsOldContent) {
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s->Put(MakeEntry("before", "kept")).ok());
  }
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    auto s = Store::Open(Options());
    if (!s.ok()) ::_exit(10);
    struct rlimit lim {
      1u << 20, 1u << 20
    };
    ::setrlimit(RLIMIT_FSIZE, &lim);
    NewEntry big = MakeEntry("big", "");
    big.blob.resize(4u << 20, 7);
    auto put = (*s)->Put(big);
    ::_exit(put.ok() ? 11 : put.status().code() == Code::kResourceExhausted ? 0 : 12);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  EXPECT_EQ(BlobText(*s->Get("before", "binary-blob")), "kept");
  EXPECT_EQ(s->Get("big", "binary-blob").status().code(), Code::kNotFound);
}

TEST_P(StoreFaults, NewStoreFilesAreOwnerOnly) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s->Put(MakeEntry("k", "v")).ok());
  for (const auto& f : std::filesystem::directory_iterator(dir_)) {
    if (f.path().string().find(".lock") != std::string::npos) continue;
    auto perms = std::filesystem::status(f.path()).permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none)
        << f.path();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreFaults, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

class SqliteTamper : public StoreTest {};

TEST_P(SqliteTamper, FlippedByteInOneRowCorruptsOnlyThatEntry) {
  uint64_t victim = 0;
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s->Put(MakeEntry("a", "alpha")).ok());
    victim = s->Put(MakeEntry("b", "bravo"))->id;
    ASSERT_TRUE(s->Put(MakeEntry("c", "charlie")).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  std::string sql =
      "UPDATE entries SET sealed_blob = CAST(substr(sealed_blob, 1, 20) || X'55' || "
      "substr(sealed_blob, 22) AS BLOB) WHERE id = " +
      std::to_string(victim);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Get("b", "binary-blob").status().code(), Code::kCorrupt);
  EXPECT_EQ(BlobText(*s->Get("a", "binary-blob")), "alpha");
  EXPECT_EQ(BlobText(*s->Get("c", "binary-blob")), "charlie");
}

TEST_P(SqliteTamper, SwappedBlobsBetweenRowsAreDetected) {
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s->Put(MakeEntry("a", "alpha")).ok());
    ASSERT_TRUE(s->Put(MakeEntry("b", "bravo")).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE entries SET sealed_blob = (SELECT sealed_blob FROM entries WHERE id = 2) "
                         "WHERE id = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = OpenOrDie();
  EXPECT_EQ(s->Get("a", "binary-blob").status().code(), Code::kCorrupt);
}

TEST_P(SqliteTamper, NeitherTagsNorBlobsAreStoredInClear) {
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s->Put(MakeEntry("very-recognisable-tag", "very-recognisable-blob")).ok());
    ASSERT_TRUE(s->PutMeta("token-label-name", AsBytes("very-recognisable-label")).ok());
  }
  std::string all;
  for (const char* suffix : {"", "-wal"}) {
    auto raw = ReadFile(Options().path + suffix);
    if (raw.ok()) all += AsString(*raw);
  }
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.find("very-recognisable"), std::string::npos);
  EXPECT_EQ(all.find("token-label-name"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteTamper, ::testing::Values(Backend::kSqlite), BackendName);

class CfFileTamper : public StoreTest {};

TEST_P(CfFileTamper, TruncatedOrFlippedFileIsCorrupt) {
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s->Put(MakeEntry("a", "alpha")).ok());
  }
  const std::string path = Options().path;
  Bytes original = *ReadFile(path);
  Bytes flipped = original;
  flipped[flipped.size() - 5] ^= 0x01;  // inside encrypted_data (the last field)
  ASSERT_TRUE(WriteFileAtomic(path, flipped).ok());
  auto s = Store::Open(Options());
  EXPECT_EQ(s.status().code(), Code::kCorrupt) << s.status().ToString();
  ASSERT_TRUE(WriteFileAtomic(path, ByteView(original).first(original.size() / 2)).ok());
  s = Store::Open(Options());
  EXPECT_EQ(s.status().code(), Code::kCorrupt) << s.status().ToString();
  ASSERT_TRUE(WriteFileAtomic(path, original).ok());
  EXPECT_TRUE(Store::Open(Options()).ok());
}

INSTANTIATE_TEST_SUITE_P(CfFile, CfFileTamper, ::testing::Values(Backend::kCfFile), BackendName);

}  // namespace
}  // namespace cf::store::testing
