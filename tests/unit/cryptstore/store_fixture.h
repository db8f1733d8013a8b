// Shared fixture for cryptstore tests: a fresh temp directory, a TestSealer, and Open() for the backend under test.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cryptstore/store.h"
#include "test_sealer.h"

namespace cf::store::testing {

inline std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cf-store-test-XXXXXX").string();
  char* dir = ::mkdtemp(tmpl.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

inline NewEntry MakeEntry(const std::string& tag, const std::string& blob, int32_t version = 0,
                          Tier tier = Tier::kPlatform) {
  NewEntry e;
  e.tag = tag;
  e.type = "binary-blob";
  e.version = version;
  e.blob = ToSecure(blob);
  e.tier = tier;
  return e;
}

inline std::string BlobText(const Entry& e) { return std::string(e.blob.begin(), e.blob.end()); }

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    sealer_ = std::make_shared<TestSealer>();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(dir_, ec);
  }
  StoreOptions Options() const {
    StoreOptions o;
    o.backend = GetParam();
    o.path = dir_ + (GetParam() == Backend::kSqlite ? "/store.db" : "/cryptstore.bin");
    o.sealer = sealer_;
    o.pin_kdf_iterations = 1000;  // tests: cheap KDF
    o.max_failed_logins = 3;
    return o;
  }
  std::unique_ptr<Store> OpenOrDie(StoreOptions o) {
    auto s = Store::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> OpenOrDie() { return OpenOrDie(Options()); }

  std::string dir_;
  std::shared_ptr<TestSealer> sealer_;
};

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "CfFile";
}

}  // namespace cf::store::testing
