// cf-osutility over a damaged or unusable store: truncated file, one flipped byte, entries moved in from another
// domain's store, another platform's key, an unwritable directory, a full disk (RLIMIT_FSIZE). Each is exit 3 (2
// for "not found") with one stderr line saying what is wrong and what to do, nothing on stdout, and nothing lost.
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "proto/certifier.pb.h"
#include "tests/unit/tools/cf-osutility/osutil_runner.h"

namespace cf::osutil::testing {
namespace {

void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

class StoreFaultTest : public OsutilTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    OsutilTest::SetUp();
    Ok({"--init-trust"});
    WriteAll(Path("v"), "victim-value");
    Ok({"--put-item", Path("v"), "--tag", "victim", "--exportable"});
    WriteAll(Path("b"), "bystander-value");
    Ok({"--put-item", Path("b"), "--tag", "bystander", "--exportable"});
  }
  bool sqlite() const { return GetParam() == "sqlite"; }
  std::string StoreFile(const std::string& dir) const {
    return dir + (sqlite() ? "/cryptstore.sqlite" : "/encrypted_cryptstore.datica");
  }
  std::string Ok(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.end(), {"--backend", GetParam()});
    return OsutilTest::Ok(args, input);
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--backend", GetParam()});
    return OsutilTest::Run(args);
  }
  // One line on stderr naming the problem, the exit code, nothing on stdout.
  // max_lines 2: the store's own warning about a damaged row (logged once when the store opens) may precede it.
  void ExpectFailure(const std::vector<std::string>& args, int code, const std::vector<std::string>& says,
                     int max_lines = 1) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, code) << "stderr: " << r.err;
    for (const auto& s : says) EXPECT_NE(r.err.find(s), std::string::npos) << "want '" << s << "' in: " << r.err;
    EXPECT_EQ(r.out, "");
    const auto lines = std::count(r.err.begin(), r.err.end(), '\n');
    EXPECT_TRUE(lines >= 1 && lines <= max_lines) << r.err;
  }
  void ExpectBothReadable() {
    EXPECT_EQ(Ok({"--get-item", "--tag", "victim"}), "victim-value");
    EXPECT_EQ(Ok({"--get-item", "--tag", "bystander"}), "bystander-value");
  }
};

TEST_P(StoreFaultTest, TruncatedStoreFileSaysRestoreABackup) {
  const std::string file = StoreFile(token_dir_);
  std::string original = ReadAll(file);
  std::filesystem::remove(file + "-wal");
  std::filesystem::remove(file + "-shm");
  WriteAll(file, original.substr(0, sqlite() ? 3000 : original.size() / 2));
  ExpectFailure({"--get-item", "--tag", "victim"}, 3, {"CORRUPT", "restore it from a backup"});
  ExpectFailure({"--print-cryptstore"}, 3, {"CORRUPT"});
  WriteAll(file, original);
  ExpectBothReadable();
}

TEST_P(StoreFaultTest, OneFlippedByteIsRefusedAndNothingElseLost) {
  const std::string file = StoreFile(token_dir_);
  if (sqlite()) {
    // A flipped byte in one row spoils that entry only.
    Sql(file,
        "UPDATE entries SET sealed_blob = CAST(substr(sealed_blob, 1, 20) || X'55' || substr(sealed_blob, 22) AS "
        "BLOB) WHERE id = 1");
    ExpectFailure({"--get-item", "--tag", "victim"}, 3, {"CORRUPT", "failed authentication", "restore"});
    EXPECT_EQ(Ok({"--get-item", "--tag", "bystander"}), "bystander-value");
    return;
  }
  // The cf-file store is one authenticated ciphertext: one flipped byte refuses the whole file.
  std::string original = ReadAll(file);
  std::string flipped = original;
  flipped[flipped.size() - 5] ^= 0x01;
  WriteAll(file, flipped);
  ExpectFailure({"--get-item", "--tag", "bystander"}, 3, {"CORRUPT", "fails authentication", "backup"});
  WriteAll(file, original);
  ExpectBothReadable();
}

// Two policy domains on one platform: moving an entry of one domain's store into the other is detected, and the
// moved entry is never read as a genuine one.
TEST_P(StoreFaultTest, EntriesMovedInFromAnotherDomainAreRefused) {
  Ok({"--init-trust", "--policy-domain", "other"});
  WriteAll(Path("i"), "intruder-value");
  Ok({"--put-item", Path("i"), "--tag", "victim", "--policy-domain", "other", "--exportable"});
  const std::string file = StoreFile(token_dir_);
  const std::string other = StoreFile(token_dir_ + "/domains/other");
  if (sqlite()) {
    Sql(file, "ATTACH DATABASE '" + other +
                  "' AS o; UPDATE entries SET lookup = (SELECT lookup FROM o.entries WHERE id = 1), "
                  "sealed_meta = (SELECT sealed_meta FROM o.entries WHERE id = 1), "
                  "sealed_blob = (SELECT sealed_blob FROM o.entries WHERE id = 1) WHERE id = 1");
    ExpectFailure({"--get-item", "--tag", "victim"}, 2, {"fail authentication", "restore the store from a backup"}, 2);
    EXPECT_EQ(Ok({"--get-item", "--tag", "bystander"}), "bystander-value");
    return;
  }
  wire::protected_blob_message mine, theirs;
  std::string original = ReadAll(file);
  ASSERT_TRUE(mine.ParseFromString(original));
  ASSERT_TRUE(theirs.ParseFromString(ReadAll(other)));
  mine.set_encrypted_data(theirs.encrypted_data());
  WriteAll(file, mine.SerializeAsString());
  ExpectFailure({"--get-item", "--tag", "victim"}, 3, {"CORRUPT", "fails authentication"});
  WriteAll(file, original);
  ExpectBothReadable();
}

TEST_P(StoreFaultTest, AnotherPlatformsKeyCannotOpenTheStore) {
  const std::string platform = token_dir_ + "/platform/simulated-platform.bin";
  std::string mine = ReadAll(platform);
  OsutilTest::Run({"--init-trust", "--token-dir", Path("elsewhere")}, "", false);
  std::string theirs = ReadAll(Path("elsewhere/platform/simulated-platform.bin"));
  ASSERT_FALSE(theirs.empty());
  WriteAll(platform, theirs);
  ExpectFailure({"--get-item", "--tag", "victim"}, 3, {"UNAUTHENTICATED", "another platform"});
  WriteAll(platform, mine);
  ExpectBothReadable();
}

TEST_P(StoreFaultTest, FullDiskIsRefusedAndEarlierEntriesStay) {
  before_exec_ = [] {
    ::signal(SIGXFSZ, SIG_IGN);  // survives exec: the write fails with EFBIG instead of killing the tool
    struct rlimit lim = {1u << 20, 1u << 20};
    ::setrlimit(RLIMIT_FSIZE, &lim);
  };
  WriteAll(Path("big"), std::string(4u << 20, 'z'));
  ExpectFailure({"--put-item", Path("big"), "--tag", "big"}, 3,
                {"RESOURCE_EXHAUSTED", "free disk space (or raise the file size limit) and retry"});
  before_exec_ = nullptr;
  ExpectBothReadable();
  EXPECT_EQ(Run({"--get-item", "--tag", "big"}).exit_code, 2);
}

// Root ignores directory modes, so as root the tool runs as "nobody" for the attempt.
TEST_P(StoreFaultTest, UnwritableDirectoryIsPermissionDenied) {
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  const std::string ro = Path("ro");
  ASSERT_EQ(::mkdir(ro.c_str(), 0555), 0);
  if (::geteuid() == 0) {
    before_exec_ = [] {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(120);
    };
  }
  RunResult r = OsutilTest::Run({"--init-trust", "--backend", GetParam(), "--token-dir", ro + "/token"}, "", false);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("ermission denied"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(ro + "/token"));
  before_exec_ = nullptr;
  ExpectBothReadable();
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreFaultTest, ::testing::Values("sqlite", "cf-file"),
                         [](const auto& info) { return info.param == "sqlite" ? "Sqlite" : "CfFile"; });

}  // namespace
}  // namespace cf::osutil::testing
