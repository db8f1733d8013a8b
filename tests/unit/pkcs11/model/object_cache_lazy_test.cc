// The object cache loads entries lazily (issue 7: a fresh process with 5 000 objects): after C_Initialize only the
// entries' metadata is read, and a find reads only the entries it narrows to — by label (an object's label is its
// entry's tag), class, or class+CKA_ID. These tests pin that a fresh process sees exactly what a full load would:
// every class, unlabelled objects, versions, handles from an earlier process, and a damaged entry hidden with one
// warning without hiding or slowing the others. Logs go to stderr (CF_PKCS11_DEBUG) so the warning can be read.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "p11_fixture.h"
#include "pkcs11/include/cf_pkcs11.h"

namespace cf::p11::test {
namespace {

// Before main: the module reads CF_PKCS11_DEBUG once, at its first log line.
const bool kLogToStderr = (::setenv("CF_PKCS11_DEBUG", "1", 1), true);

// What the module writes to stderr between construction and Text().
class StderrCapture {
 public:
  StderrCapture() : path_(std::string(::testing::TempDir()) + "cf-lazy-stderr-" + std::to_string(getpid())) {
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~StderrCapture() {
    Restore();
    unlink(path_.c_str());
  }
  std::string Text() {
    Restore();
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  std::string path_;
  int saved_ = -1;
};

class LazyCacheTest : public ModuleTest {
 protected:
  CK_OBJECT_HANDLE Data(CK_SESSION_HANDLE s, std::vector<Attr> extra) {
    std::vector<Attr> t = {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Bool(CKA_PRIVATE, true),
                           Str(CKA_VALUE, "value")};
    t.insert(t.end(), extra.begin(), extra.end());
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    EXPECT_EQ(Create(s, t, &h), CKR_OK);
    return h;
  }
  // A new process's view: the module finalized and initialized again, so its cache starts empty.
  CK_SESSION_HANDLE Restart() {
    EXPECT_EQ(f_->C_Finalize(nullptr), CKR_OK);
    EXPECT_EQ(Initialize(), CKR_OK);
    return OpenUser();
  }
  // Flips one byte of a stored blob (the module must be finalized: it holds the database open otherwise).
  void DamageEntryOf(CK_OBJECT_HANDLE handle) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/cryptstore.sqlite").c_str(), &db), SQLITE_OK);
    const sqlite3_int64 id = static_cast<sqlite3_int64>(handle >> 1);
    std::vector<unsigned char> blob;
    sqlite3_stmt* read = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT sealed_blob FROM entries WHERE id = ?", -1, &read, nullptr), SQLITE_OK);
    sqlite3_bind_int64(read, 1, id);
    if (sqlite3_step(read) == SQLITE_ROW) {
      auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(read, 0));
      blob.assign(p, p + sqlite3_column_bytes(read, 0));
    }
    sqlite3_finalize(read);
    ASSERT_GT(blob.size(), 20u);
    blob[20] ^= 0x01;  // a ciphertext byte
    sqlite3_stmt* write = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE entries SET sealed_blob = ? WHERE id = ?", -1, &write, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(write, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(write, 2, id);
    EXPECT_EQ(sqlite3_step(write), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(write);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  }
};

TEST_F(LazyCacheTest, AFindByLabelReadsOnlyTheEntriesWithThatLabel) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE a = Data(s, {Str(CKA_LABEL, "a")});
  CK_OBJECT_HANDLE b = Data(s, {Str(CKA_LABEL, "b")});
  CK_OBJECT_HANDLE c = Data(s, {Str(CKA_LABEL, "c")});
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  DamageEntryOf(b);
  ASSERT_EQ(Initialize(), CKR_OK);
  s = OpenUser();
  std::string warning = "entry " + std::to_string(b >> 1) + " cannot be read";
  {
    StderrCapture capture;
    EXPECT_EQ(Find(s, {Str(CKA_LABEL, "a")}), std::vector<CK_OBJECT_HANDLE>{a});
    EXPECT_EQ(capture.Text().find(warning), std::string::npos) << "the damaged entry was read by a find for 'a'";
  }
  {
    StderrCapture capture;
    EXPECT_TRUE(Find(s, {Str(CKA_LABEL, "b")}).empty());
    std::string text = capture.Text();
    EXPECT_NE(text.find(warning), std::string::npos) << "no warning names the damaged entry: " << text;
  }
  {
    StderrCapture capture;  // the warning is said once, not at every find
    EXPECT_EQ(Find(s, {}), (std::vector<CK_OBJECT_HANDLE>{a, c}));
    EXPECT_EQ(capture.Text().find(warning), std::string::npos);
  }
}

TEST_F(LazyCacheTest, UnlabelledObjectsMatchAnEmptyLabelAndTheGeneratedTagIsNotTheirLabel) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE unlabelled = Data(s, {});
  CK_OBJECT_HANDLE named = Data(s, {Str(CKA_LABEL, "cf-pkcs11-unlabelled-but-named")});
  s = Restart();
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "")}), std::vector<CK_OBJECT_HANDLE>{unlabelled});
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "cf-pkcs11-unlabelled-but-named")}), std::vector<CK_OBJECT_HANDLE>{named});
  std::vector<unsigned char> label;
  ASSERT_EQ(GetAttr(s, unlabelled, CKA_LABEL, &label), CKR_OK);
  EXPECT_TRUE(label.empty());
}

TEST_F(LazyCacheTest, ClassAndIdFindsInAFreshProcessSeeEveryClass) {
  CK_SESSION_HANDLE s = OpenUser();
  for (int i = 0; i < 5; ++i) Data(s, {Str(CKA_LABEL, "d" + std::to_string(i))});
  CK_OBJECT_HANDLE secret = CK_INVALID_HANDLE;
  ASSERT_EQ(GenerateAes(s, {Bool(CKA_TOKEN, true), Str(CKA_ID, "k1"), Str(CKA_LABEL, "aes")}, &secret), CKR_OK);
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(GenerateEc(s, {Bool(CKA_TOKEN, true), Str(CKA_ID, "k1")}, {Bool(CKA_TOKEN, true), Str(CKA_ID, "k1")}, &pub,
                       &priv),
            CKR_OK);
  s = Restart();
  // Twice each: the first loads the entries that can hold the class, the second answers from the index.
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(Find(s, {Ulong(CKA_CLASS, CKO_PRIVATE_KEY), Str(CKA_ID, "k1")}), std::vector<CK_OBJECT_HANDLE>{priv});
    EXPECT_EQ(Find(s, {Ulong(CKA_CLASS, CKO_SECRET_KEY), Str(CKA_ID, "k1")}), std::vector<CK_OBJECT_HANDLE>{secret});
    EXPECT_EQ(Find(s, {Ulong(CKA_CLASS, CKO_PUBLIC_KEY)}), std::vector<CK_OBJECT_HANDLE>{pub});
  }
  EXPECT_EQ(Find(s, {Ulong(CKA_CLASS, CKO_DATA)}).size(), 5u);
  EXPECT_EQ(Find(s, {Str(CKA_ID, "k1")}), (std::vector<CK_OBJECT_HANDLE>{secret, pub, priv}));
  // A new key with the same ID after the index was complete is found too.
  CK_OBJECT_HANDLE second = CK_INVALID_HANDLE;
  ASSERT_EQ(GenerateAes(s, {Bool(CKA_TOKEN, true), Str(CKA_ID, "k1"), Str(CKA_LABEL, "aes2")}, &second), CKR_OK);
  EXPECT_EQ(Find(s, {Ulong(CKA_CLASS, CKO_SECRET_KEY), Str(CKA_ID, "k1")}),
            (std::vector<CK_OBJECT_HANDLE>{secret, second}));
}

TEST_F(LazyCacheTest, AFreshProcessShowsEveryVersionAndMarksTheLatest) {
  // Issue 12: a second object with one label never hides the first, in a fresh process too.
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE v1 = Data(s, {Str(CKA_LABEL, "k")});
  CK_OBJECT_HANDLE v2 = Data(s, {Str(CKA_LABEL, "k")});
  s = Restart();
  std::vector<CK_OBJECT_HANDLE> both = {std::min(v1, v2), std::max(v1, v2)};
  auto by_label = Find(s, {Str(CKA_LABEL, "k")});
  std::sort(by_label.begin(), by_label.end());
  EXPECT_EQ(by_label, both);
  auto by_class = Find(s, {Ulong(CKA_CLASS, CKO_DATA)});
  std::sort(by_class.begin(), by_class.end());
  EXPECT_EQ(by_class, both);
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "k"), Bool(CKA_CF_LATEST, true)}), std::vector<CK_OBJECT_HANDLE>{v2});
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "k"), Ulong(CKA_CF_VERSION, 1)}), std::vector<CK_OBJECT_HANDLE>{v1});
}

TEST_F(LazyCacheTest, AHandleFromAnEarlierProcessWorksBeforeAnyFind) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE h = Data(s, {Str(CKA_LABEL, "kept")});
  s = Restart();
  std::vector<unsigned char> value;
  ASSERT_EQ(GetAttr(s, h, CKA_VALUE, &value), CKR_OK);
  EXPECT_EQ(std::string(value.begin(), value.end()), "value");
  EXPECT_EQ(GetAttr(s, h + 2, CKA_VALUE, &value), CKR_OBJECT_HANDLE_INVALID);
}

}  // namespace
}  // namespace cf::p11::test
