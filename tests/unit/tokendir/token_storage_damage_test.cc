// A damaged token is refused, not silently made new (issue 11 item 11b/c), and the simulated platform's counter
// catches a restored store through OpenTokenStorage (item 8), while a really new token directory is still created.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "tokendir/token_storage.h"

namespace cf::tokendir {
namespace {

namespace fs = std::filesystem;

class TokenStorageDamage : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "cf-token-damage-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  TokenLocation Location() const {
    TokenLocation l;
    l.directory = root_ + "/token";
    l.backend = GetParam();
    l.pin_kdf_iterations = 1000;
    return l;
  }
  std::string root_;
};

TEST_P(TokenStorageDamage, NewTokenDirectoryIsStillCreated) {
  auto storage = OpenTokenStorage(Location());
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  EXPECT_TRUE(fs::exists(Location().directory + "/platform"));
}

TEST_P(TokenStorageDamage, MissingPlatformDirectoryBesideAStoreIsRefused) {
  { ASSERT_TRUE(OpenTokenStorage(Location()).ok()); }
  fs::remove_all(Location().directory + "/platform");
  auto storage = OpenTokenStorage(Location());
  ASSERT_FALSE(storage.ok());
  EXPECT_NE(storage.status().message().find("remove the token directory"), std::string::npos)
      << storage.status().ToString();
  EXPECT_FALSE(fs::exists(Location().directory + "/platform"));  // nothing made up in its place
}

TEST_P(TokenStorageDamage, ZeroLengthStoreFileIsRefused) {
  { ASSERT_TRUE(OpenTokenStorage(Location()).ok()); }  // platform and store exist
  fs::resize_file(StorePath(Location()), 0);
  auto storage = OpenTokenStorage(Location());
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), Code::kCorrupt) << storage.status().ToString();
}

TEST_P(TokenStorageDamage, SimulatedPlatformCounterCatchesARestoredStore) {
  uint64_t id = 0;
  {
    auto storage = OpenTokenStorage(Location());
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
    store::NewEntry e;
    e.tag = "key";
    e.type = "binary-blob";
    e.blob = ToSecure(std::string("secret"));
    id = storage->store->Put(e).value().id;
  }
  const std::string path = StorePath(Location());
  for (const char* suffix : {"", "-wal", "-shm"})
    if (fs::exists(path + suffix)) fs::copy_file(path + suffix, root_ + "/backup" + suffix);
  {
    auto storage = OpenTokenStorage(Location());
    ASSERT_TRUE(storage.ok());
    ASSERT_TRUE(storage->store->Remove(id).ok());
  }
  for (const char* suffix : {"", "-wal", "-shm"})
    if (fs::exists(root_ + "/backup" + suffix))
      fs::copy_file(root_ + "/backup" + suffix, path + suffix, fs::copy_options::overwrite_existing);
  auto storage = OpenTokenStorage(Location());
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), Code::kRolledBack) << storage.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Backends, TokenStorageDamage,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kCfFile),
                         [](const auto& info) { return info.param == store::Backend::kSqlite ? "Sqlite" : "CfFile"; });

}  // namespace
}  // namespace cf::tokendir
