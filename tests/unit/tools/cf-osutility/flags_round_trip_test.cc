// The flags round_trip_test.cc does not reach: file and directory names (--encrypted-cryptstore-filename,
// --sealed-key-filename, --policy-store-name) land where they say, and --pin / --pin-file put and get PIN-tier
// entries that the store really keeps under the user data key. The store is checked through the token's own API.
#include "tests/unit/tools/cf-osutility/osutil_runner.h"
#include "tokendir/token_storage.h"

namespace cf::osutil::testing {
namespace {

class FlagsTest : public OsutilTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string Ok(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.end(), {"--backend", GetParam()});
    return OsutilTest::Ok(args, input);
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--backend", GetParam()});
    return OsutilTest::Run(args);
  }
  tokendir::TokenLocation Location() const {
    tokendir::TokenLocation l;
    l.directory = token_dir_;
    l.backend = GetParam() == "sqlite" ? store::Backend::kSqlite : store::Backend::kCfFile;
    l.create_if_missing = false;
    l.pin_kdf_iterations = 1000;
    return l;
  }
};

TEST_P(FlagsTest, FileNameFlagsPlaceTheStorePlatformAndTrustRecord) {
  const std::string platform = Path("sealed-platform");
  const std::string file = GetParam() == "sqlite" ? "--cryptstore_name" : "--encrypted_cryptstore_filename";
  std::vector<std::string> names = {file,     "custom.store",        "--sealed_key_filename",
                                    platform, "--policy_store_name", "my-policy"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), names.begin(), names.end());
    return args;
  };
  Ok(with({"--init-trust"}));
  WriteAll(Path("v"), "placed");
  Ok(with({"--put-item", Path("v"), "--tag", "t", "--exportable"}));
  EXPECT_EQ(Ok(with({"--get-item", "--tag", "t"})), "placed");
  EXPECT_TRUE(std::filesystem::exists(token_dir_ + "/custom.store"));
  EXPECT_TRUE(std::filesystem::exists(platform + "/simulated-platform.bin"));
  EXPECT_FALSE(std::filesystem::exists(token_dir_ + "/platform"));
  // Without the names the default files do not exist: not found, and nothing was created by looking.
  EXPECT_EQ(Run({"--get-item", "--tag", "t"}).exit_code, 2);
  tokendir::TokenLocation l = Location();
  l.store_path = token_dir_ + "/custom.store";
  l.platform_directory = platform;
  auto storage = tokendir::OpenTokenStorage(l);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  auto record = storage->store->GetMeta("my-policy");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_NE(AsString(**record).find("enclave-type: simulated-enclave"), std::string::npos);
  EXPECT_FALSE(storage->store->GetMeta("policy-store")->has_value());
}

TEST_P(FlagsTest, PinFlagsWriteAndReadThePinTier) {
  Ok({"--init-trust"});
  {
    auto storage = tokendir::OpenTokenStorage(Location());
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
    ASSERT_TRUE(storage->store->SetSoPin(SecureString("so-pin")).ok());
    ASSERT_TRUE(storage->store->InitUserPin(SecureString("1234")).ok());
  }
  WriteAll(Path("secret"), "pin-tier-value");
  WriteAll(Path("pinfile"), "1234\n");
  Ok({"--put-item", Path("secret"), "--tag", "p", "--pin", "1234", "--exportable"});
  EXPECT_EQ(Ok({"--get-item", "--tag", "p", "--pin_file", Path("pinfile")}), "pin-tier-value");
  RunResult no_pin = Run({"--get-item", "--tag", "p"});
  EXPECT_EQ(no_pin.exit_code, 3);
  EXPECT_NE(no_pin.err.find("PIN-protected; give --pin or --pin-file"), std::string::npos) << no_pin.err;
  EXPECT_EQ(no_pin.out, "");
  RunResult wrong = Run({"--get-item", "--tag", "p", "--pin", "9999"});
  EXPECT_EQ(wrong.exit_code, 3);
  EXPECT_NE(wrong.err.find("UNAUTHENTICATED"), std::string::npos) << wrong.err;
  RunResult printed = Run({"--print-cryptstore"});
  EXPECT_EQ(printed.out.find("tag: p\t"), std::string::npos) << printed.out;
  EXPECT_NE(printed.err.find("1 PIN-protected, not listed"), std::string::npos) << printed.err;
  // The entry is in the user tier of the store, so the module shows it only after C_Login.
  auto storage = tokendir::OpenTokenStorage(Location());
  ASSERT_TRUE(storage.ok());
  auto entry = storage->store->Get("p", "binary-blob");
  EXPECT_EQ(entry.status().code(), Code::kFailedPrecondition);
  // The tool's wrong PIN counted durably as a failed login, like a wrong C_Login would.
  EXPECT_EQ(storage->store->GetPinState(store::Role::kUser)->failed_attempts, 1u);
  ASSERT_TRUE(storage->store->Login(store::Role::kUser, SecureString("1234")).ok());
  entry = storage->store->Get("p", "binary-blob");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->info.tier, store::Tier::kUser);
}

INSTANTIATE_TEST_SUITE_P(Backends, FlagsTest, ::testing::Values("sqlite", "cf-file"),
                         [](const auto& info) { return info.param == "sqlite" ? "Sqlite" : "CfFile"; });

}  // namespace
}  // namespace cf::osutil::testing
