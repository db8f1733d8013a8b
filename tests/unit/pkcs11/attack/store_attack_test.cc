// Store attacks through the module (issue 17; SECURITY.md): someone with write access to the token directory rolls
// the store back to an older copy, swaps two entries' sealed blobs, copies the store to another platform or
// truncates it, and a guesser spreads wrong PINs over processes. Each is refused and logged, and nothing is lost:
// putting the newest copy back brings every object back. The key-extraction tricks are in abi/exfiltration_test.cc
// and abi/key_protection_test.cc; the same store attacks below the module in tests/unit/cryptstore/.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "p11_fixture.h"

namespace cf::p11::test {
namespace {

const bool kLogToStderr = (::setenv("CF_PKCS11_DEBUG", "1", 1), true);
namespace fs = std::filesystem;

class StoreAttack : public ModuleTest {
 protected:
  std::string StorePath() const { return dir_ + "/cryptstore.sqlite"; }

  CK_OBJECT_HANDLE CreateData(CK_SESSION_HANDLE s, const std::string& label, const std::string& value) {
    std::vector<Attr> t = {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Bool(CKA_PRIVATE, true),
                           Str(CKA_LABEL, label), Str(CKA_VALUE, value)};
    auto v = View(t);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    EXPECT_EQ(f_->C_CreateObject(s, v.data(), v.size(), &h), CKR_OK);
    return h;
  }

  // Copies (or restores) the store with its WAL side files, the module finalised so nothing is in flight.
  void CopyStore(const std::string& from_dir, const std::string& to_dir) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      fs::path from = from_dir + "/cryptstore.sqlite" + suffix, to = to_dir + "/cryptstore.sqlite" + suffix;
      fs::remove(to);
      if (fs::exists(from)) fs::copy_file(from, to);
    }
  }

  // The token's data objects as label -> value after a user login; empty with `refused` set when the token does
  // not open, is absent or refuses the login.
  std::map<std::string, std::string> DataObjects(CK_RV* refused) {
    *refused = CKR_OK;
    CK_ULONG n = 0;
    CK_SLOT_ID slot;
    n = 1;
    if (f_->C_GetSlotList(CK_TRUE, &slot, &n) != CKR_OK || n == 0) {
      *refused = CKR_TOKEN_NOT_PRESENT;
      return {};
    }
    CK_SESSION_HANDLE s;
    CK_RV rv = f_->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
    if (rv == CKR_OK) rv = f_->C_Login(s, CKU_USER, Pin(kUserPin), 4);
    if (rv != CKR_OK) {
      *refused = rv;
      return {};
    }
    std::map<std::string, std::string> out;
    for (CK_OBJECT_HANDLE h : Find(s, {Ulong(CKA_CLASS, CKO_DATA)})) {
      std::vector<unsigned char> label, value;
      if (GetAttr(s, h, CKA_LABEL, &label) != CKR_OK) continue;
      CK_RV read = GetAttr(s, h, CKA_VALUE, &value);
      out[std::string(label.begin(), label.end())] = read == CKR_OK ? std::string(value.begin(), value.end()) : "?";
    }
    f_->C_CloseSession(s);
    return out;
  }

  // Re-initialises the module with fd 2 captured; returns what it logged.
  std::string ReinitializeCapturingLog() {
    std::string path = dir_ + "/stderr.log";
    std::fflush(stderr);
    int saved = dup(2);
    FILE* f = std::fopen(path.c_str(), "w");
    dup2(fileno(f), 2);
    EXPECT_EQ(Initialize(), CKR_OK);
    CK_RV ignored;
    (void)DataObjects(&ignored);  // the store opens lazily on some paths: make it open while captured
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::fclose(f);
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
};

TEST_F(StoreAttack, RollbackToAnOlderStoreCopyIsRefusedLoggedAndTheNewestCopyStillOpens) {
  ASSERT_TRUE(kLogToStderr);
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE destroyed = CreateData(s, "destroyed-later", "old secret");
  CreateData(s, "kept", "k");
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  std::string old_copy = dir_ + "/old";
  fs::create_directories(old_copy);
  CopyStore(dir_, old_copy);
  ASSERT_EQ(Initialize(), CKR_OK);
  s = OpenUser();
  ASSERT_EQ(f_->C_DestroyObject(s, destroyed), CKR_OK);
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  std::string newest = dir_ + "/newest";
  fs::create_directories(newest);
  CopyStore(dir_, newest);

  CopyStore(old_copy, dir_);
  std::string log = ReinitializeCapturingLog();
  CK_RV refused;
  auto seen = DataObjects(&refused);
  EXPECT_NE(refused, CKR_OK) << "the rolled-back copy opened";
  EXPECT_EQ(seen.count("destroyed-later"), 0u) << "a destroyed object came back";
  EXPECT_NE(log.find("older copy"), std::string::npos) << "not logged: " << log;

  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  CopyStore(newest, dir_);
  ASSERT_EQ(Initialize(), CKR_OK);
  seen = DataObjects(&refused);
  ASSERT_EQ(refused, CKR_OK);
  EXPECT_EQ(seen, (std::map<std::string, std::string>{{"kept", "k"}}));
}

TEST_F(StoreAttack, SwappedSealedBlobsOfTwoEntriesAreNeverShownAsTheOtherAndTheRestIsIntact) {
  CK_SESSION_HANDLE s = OpenUser();
  CreateData(s, "a", "value of a");
  CreateData(s, "b", "value of b");
  CreateData(s, "untouched", "u");
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(StorePath().c_str(), &db), SQLITE_OK);
  // The two newest entries other than "untouched" are a and b (ids in creation order).
  const char* swap =
      "CREATE TEMP TABLE pick AS SELECT id, sealed_blob FROM entries ORDER BY id DESC LIMIT 2 OFFSET 1;"
      "UPDATE entries SET sealed_blob = (SELECT sealed_blob FROM pick WHERE pick.id != entries.id)"
      " WHERE id IN (SELECT id FROM pick);";
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, swap, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  ASSERT_EQ(sqlite3_changes(db), 2);
  sqlite3_close(db);

  ASSERT_EQ(Initialize(), CKR_OK);
  CK_RV refused;
  auto seen = DataObjects(&refused);
  ASSERT_EQ(refused, CKR_OK) << "one damaged pair of entries must not take the token down";
  EXPECT_EQ(seen["untouched"], "u");
  EXPECT_NE(seen.count("a") ? seen["a"] : "", "value of b") << "a's entry shows b's blob";
  EXPECT_NE(seen.count("b") ? seen["b"] : "", "value of a") << "b's entry shows a's blob";
}

TEST_F(StoreAttack, StoreCopiedToAnotherPlatformDoesNotOpenThere) {
  CK_SESSION_HANDLE s = OpenUser();
  CreateData(s, "secret", "s");
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  // Another token directory: the module makes a new simulated platform there (its own sealing keys).
  std::string other = dir_ + "-other-platform";
  fs::create_directories(other);
  std::string own_config = config_;
  config_ = ConfigFor(other);
  ASSERT_EQ(Initialize(), CKR_OK);
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);  // the platform exists now
  CopyStore(dir_, other);
  ASSERT_EQ(Initialize(), CKR_OK);
  CK_RV refused;
  auto seen = DataObjects(&refused);
  EXPECT_NE(refused, CKR_OK) << "a store sealed on another platform opened";
  EXPECT_TRUE(seen.empty());
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  config_ = own_config;
  fs::remove_all(other);
  ASSERT_EQ(Initialize(), CKR_OK);
  EXPECT_EQ(DataObjects(&refused)["secret"], "s") << "the original stopped working";
}

TEST_F(StoreAttack, TruncatedStoreIsRefusedNeverReplacedByAnEmptyOne) {
  CK_SESSION_HANDLE s = OpenUser();
  CreateData(s, "kept", "k");
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  std::string saved = dir_ + "/saved";
  fs::create_directories(saved);
  CopyStore(dir_, saved);
  fs::remove(StorePath() + "-wal");
  fs::remove(StorePath() + "-shm");
  fs::resize_file(StorePath(), fs::file_size(saved + "/cryptstore.sqlite") / 2);
  ASSERT_EQ(Initialize(), CKR_OK);
  CK_RV refused;
  EXPECT_NE((DataObjects(&refused), refused), CKR_OK) << "a truncated store opened";
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  EXPECT_GT(fs::file_size(StorePath()), 0u) << "the module replaced the damaged store";
  CopyStore(saved, dir_);
  ASSERT_EQ(Initialize(), CKR_OK);
  EXPECT_EQ(DataObjects(&refused)["kept"], "k");
}

TEST_F(StoreAttack, PinGuessesSpreadOverProcessesLockTheUserPin) {
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  // max_failed_logins is 3 in the fixture's configuration: one wrong guess in each of three processes.
  for (int guesser = 0; guesser < 3; ++guesser) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (Initialize() != CKR_OK) ::_exit(10);
      CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
      if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) ::_exit(11);
      ::_exit(f_->C_Login(s, CKU_USER, Pin("9999"), 4) == CKR_PIN_INCORRECT ? 0 : 12);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "guesser " << guesser << " status " << status;
  }
  ASSERT_EQ(Initialize(), CKR_OK);
  EXPECT_TRUE(TokenFlags() & CKF_USER_PIN_LOCKED);
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_EQ(f_->C_Login(s, CKU_USER, Pin(kUserPin), 4), CKR_PIN_LOCKED) << "the right PIN still opened a locked token";
  // The SO's new user PIN unlocks it; what the user stored is still there (SECURITY.md).
  ASSERT_EQ(f_->C_Login(s, CKU_SO, Pin(kSoPin), 8), CKR_OK);
  ASSERT_EQ(f_->C_InitPIN(s, Pin("5678"), 4), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(f_->C_Login(s, CKU_USER, Pin("5678"), 4), CKR_OK);
}

}  // namespace
}  // namespace cf::p11::test
