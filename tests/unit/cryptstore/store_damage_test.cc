// Damaged and foreign store files: truncation and garbage in either backend, a malformed key record or cryptstore
// under valid encryption, and entries moved from one store into another. Each is refused with kCorrupt (or
// kUnauthenticated) and a message saying to restore a backup; nothing of another store is ever read as ours.
#include <sqlite3.h>

#include <filesystem>

#include "common/aead.h"
#include "common/atomic_file.h"
#include "common/random.h"
#include "proto/certifier.pb.h"
#include "proto/cryptstore.pb.h"
#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using StoreDamage = StoreTest;

void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

// A closed sqlite store has been checkpointed: the main file alone holds everything, so cutting it loses data.
TEST_P(StoreDamage, TruncatedStoreFileIsCorruptAndSaysRestore) {
  {
    auto s = OpenOrDie();
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(s->Put(MakeEntry("t" + std::to_string(i), std::string(300, 'x'))).ok());
  }
  const std::string path = Options().path;
  Bytes raw = *ReadFile(path);
  ASSERT_GT(raw.size(), 4096u);
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(path + suffix);
  ASSERT_TRUE(WriteFileAtomic(path, ByteView(raw).first(GetParam() == Backend::kSqlite ? 3000 : raw.size() / 2)).ok());
  auto s = Store::Open(Options());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kCorrupt) << s.status().ToString();
  EXPECT_NE(s.status().ToString().find("backup"), std::string::npos) << s.status().ToString();
}

TEST_P(StoreDamage, GarbageFileIsCorruptNotACrash) {
  // 0xff bytes: wire type 7 in protobuf and no sqlite header, so neither backend can mistake it for its own.
  const Bytes junk(777, 0xff);
  ASSERT_TRUE(WriteFileAtomic(Options().path, junk).ok());
  StoreOptions o = Options();
  o.create_if_missing = false;
  auto s = Store::Open(o);
  EXPECT_EQ(s.status().code(), Code::kCorrupt) << s.status().ToString();
  // Never "repaired" by recreating: the garbage is left for the operator to inspect.
  EXPECT_EQ(*ReadFile(Options().path), junk);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreDamage, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

class SqliteDamage : public StoreTest {};

TEST_P(SqliteDamage, MalformedKeyRecordIsCorrupt) {
  ASSERT_TRUE(OpenOrDie());
  Sql(Options().path, "UPDATE meta SET value = X'FFFFFFFF0F' WHERE name = 'keys'");
  auto s = Store::Open(Options());
  EXPECT_EQ(s.status().code(), Code::kCorrupt) << s.status().ToString();
  EXPECT_NE(s.status().ToString().find("backup"), std::string::npos) << s.status().ToString();
}

// Two stores on one platform: a row copied from one into the other does not authenticate there (each store has
// its own platform data key and the row's id is in the AAD), so it is neither read as the victim's entry nor as
// the intruder's; the victim's other entries stay readable.
TEST_P(SqliteDamage, RowMovedFromAnotherStoreIsCorruptAndReadsAsNeither) {
  const std::string other = dir_ + "/other.db";
  {
    StoreOptions o = Options();
    o.path = other;
    auto a = OpenOrDie(o);
    ASSERT_TRUE(a->Put(MakeEntry("intruder", "from-a")).ok());
    auto b = OpenOrDie();
    ASSERT_TRUE(b->Put(MakeEntry("victim", "from-b")).ok());
    ASSERT_TRUE(b->Put(MakeEntry("bystander", "still-b")).ok());
  }
  Sql(Options().path, "ATTACH DATABASE '" + other +
                          "' AS a; UPDATE entries SET lookup = (SELECT lookup FROM a.entries WHERE id = 1), "
                          "sealed_meta = (SELECT sealed_meta FROM a.entries WHERE id = 1), "
                          "sealed_blob = (SELECT sealed_blob FROM a.entries WHERE id = 1) WHERE id = 1");
  auto b = OpenOrDie();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->GetById(1).status().code(), Code::kCorrupt);
  EXPECT_FALSE(b->Get("intruder", "binary-blob").ok());
  EXPECT_FALSE(b->Get("victim", "binary-blob").ok());
  EXPECT_EQ(BlobText(*b->Get("bystander", "binary-blob")), "still-b");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteDamage, ::testing::Values(Backend::kSqlite), BackendName);

class CfFileDamage : public StoreTest {
 protected:
  wire::protected_blob_message ReadBlob(const std::string& path) {
    wire::protected_blob_message m;
    Bytes raw = *ReadFile(path);
    EXPECT_TRUE(m.ParseFromArray(raw.data(), static_cast<int>(raw.size())));
    return m;
  }
};

// The entries of a cf-file store live inside its whole-file encryption: splicing one store's encrypted entries
// under another store's sealed file key (same platform) fails authentication.
TEST_P(CfFileDamage, EntriesSplicedFromAnotherStoreAreCorrupt) {
  StoreOptions a_opts = Options();
  a_opts.path = dir_ + "/a.bin";
  {
    auto a = OpenOrDie(a_opts);
    ASSERT_TRUE(a->Put(MakeEntry("intruder", "from-a")).ok());
    auto b = OpenOrDie();
    ASSERT_TRUE(b->Put(MakeEntry("victim", "from-b")).ok());
  }
  wire::protected_blob_message a = ReadBlob(a_opts.path);
  wire::protected_blob_message b = ReadBlob(Options().path);
  Bytes original = *ReadFile(Options().path);
  b.set_encrypted_data(a.encrypted_data());
  ASSERT_TRUE(WriteFileAtomic(Options().path, AsBytes(b.SerializeAsString())).ok());
  auto s = Store::Open(Options());
  EXPECT_EQ(s.status().code(), Code::kCorrupt) << s.status().ToString();
  ASSERT_TRUE(WriteFileAtomic(Options().path, original).ok());
  EXPECT_EQ(BlobText(*OpenOrDie()->Get("victim", "binary-blob")), "from-b");
}

// Writes a cf-file the way the framework's cf_utility does: `plaintext` under a fresh file key of `key_type`,
// the key sealed by this test's platform.
void WriteFrameworkFile(Sealer& sealer, const std::string& path, const std::string& plaintext,
                        const std::string& key_type = "aes-256-gcm") {
  wire::key_message key;
  key.set_key_name("cryptstore-sealing-key");
  key.set_key_type(key_type);
  key.set_key_format("vse-key");
  SecureBytes file_key = *RandomSecret(32);
  key.set_secret_key_bits(std::string(file_key.begin(), file_key.end()));
  wire::protected_blob_message m;
  m.set_encrypted_key(AsString(*sealer.Seal(AsBytes(key.SerializeAsString()))));
  m.set_encrypted_data(AsString(*aead::Seal(file_key, AsBytes(plaintext), {})));
  ASSERT_TRUE(WriteFileAtomic(path, AsBytes(m.SerializeAsString())).ok());
}

// A file that authenticates (right platform, right file key) but whose plaintext is not a cryptstore message.
TEST_P(CfFileDamage, MalformedCryptstoreUnderValidEncryptionIsCorrupt) {
  WriteFrameworkFile(*sealer_, Options().path, std::string("\xff\xff\xff\xff\x0f", 5));
  auto s = Store::Open(Options());
  EXPECT_EQ(s.status().code(), Code::kCorrupt) << s.status().ToString();
  EXPECT_NE(s.status().ToString().find("does not parse"), std::string::npos) << s.status().ToString();
}

TEST_P(CfFileDamage, UnknownFileKeyAlgorithmIsUnimplementedAndNamed) {
  WriteFrameworkFile(*sealer_, Options().path, "", "aes-128-cbc-hmac-sha256");
  auto s = Store::Open(Options());
  EXPECT_EQ(s.status().code(), Code::kUnimplemented) << s.status().ToString();
  EXPECT_NE(s.status().ToString().find("aes-128-cbc-hmac-sha256"), std::string::npos) << s.status().ToString();
}

// A cryptstore written by the framework's own tools has no cf-pkcs11 metadata entry: not opened as ours (ids and
// tiers would be invented), but pointed at the import path.
TEST_P(CfFileDamage, FrameworkWrittenFileIsPointedAtImport) {
  wire::cryptstore cs;
  auto* e = cs.add_entries();
  e->set_tag("volume-key");
  e->set_type("binary-blob");
  e->set_version(1);
  e->set_blob("k");
  WriteFrameworkFile(*sealer_, Options().path, cs.SerializeAsString());
  auto s = Store::Open(Options());
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition) << s.status().ToString();
  EXPECT_NE(s.status().ToString().find("ImportPlaintext"), std::string::npos) << s.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(CfFile, CfFileDamage, ::testing::Values(Backend::kCfFile), BackendName);

}  // namespace
}  // namespace cf::store::testing
