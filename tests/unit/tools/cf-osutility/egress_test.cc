// Issue 11's attacks through cf-osutility, each performed and refused: an export file never holds what may not
// leave the VM (items 1 and 6), the token's object format cannot be written by the tool (item 4), and the names of
// PIN-tier entries are not listed without the PIN (item 10). The OS still reads its own entries locally (WIRE.md).
#include "cryptstore/store.h"
#include "proto/cryptstore.pb.h"
#include "tests/unit/tools/cf-osutility/osutil_runner.h"
#include "tokendir/token_storage.h"

namespace cf::osutil::testing {
namespace {

class EgressTest : public OsutilTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    OsutilTest::SetUp();
    Ok({"--init-trust"});
  }
  std::vector<std::string> WithBackend(std::vector<std::string> args) {
    args.push_back("--backend");
    args.push_back(GetParam());
    return args;
  }
  std::string Ok(std::vector<std::string> args, const std::string& input = "") {
    return OsutilTest::Ok(WithBackend(std::move(args)), input);
  }
  RunResult Run(std::vector<std::string> args, const std::string& input = "") {
    return OsutilTest::Run(WithBackend(std::move(args)), input);
  }
  wire::cryptstore Exported(const std::string& file) {
    wire::cryptstore out;
    EXPECT_TRUE(out.ParseFromString(ReadAll(Path(file))));
    return out;
  }
  bool HasTag(const wire::cryptstore& store, const std::string& tag) {
    for (const auto& e : store.entries())
      if (e.tag() == tag) return true;
    return false;
  }
};

TEST_P(EgressTest, ExportWithholdsEverythingThatMayNotLeaveTheVm) {
  WriteAll(Path("secret"), "volume-key-bytes");
  Ok({"--put-item", Path("secret"), "--tag", "non-exportable-secret"});
  Ok({"--generate-and-save-key", "--public-key-algorithm", "rsa-2048", "--tag", "host-key"});
  Ok({"--put-item", Path("secret"), "--tag", "may-leave", "--exportable"});
  RunResult r = Run({"--export-cryptstore", Path("out.bin")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  wire::cryptstore out = Exported("out.bin");
  EXPECT_TRUE(HasTag(out, "may-leave"));
  EXPECT_FALSE(HasTag(out, "non-exportable-secret"));
  EXPECT_FALSE(HasTag(out, "host-key"));
  EXPECT_EQ(ReadAll(Path("out.bin")).find("volume-key-bytes"), ReadAll(Path("out.bin")).rfind("volume-key-bytes"))
      << "the secret appears once (may-leave), never twice";
  EXPECT_NE(r.err.find("withheld 2 that may not leave this VM"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'non-exportable-secret'"), std::string::npos) << r.err;
}

TEST_P(EgressTest, GeneratedKeysAreNotExportableUnlessAsked) {
  Ok({"--generate-and-save-key", "--symmetric-algorithm", "aes-256-gcm", "--tag", "vol"});
  Ok({"--generate-and-save-key", "--symmetric-algorithm", "aes-256-gcm", "--tag", "wanted", "--exportable"});
  std::string printed = Ok({"--print-cryptstore"});
  EXPECT_NE(printed.find("tag: vol\t"), std::string::npos);
  EXPECT_NE(printed.find("exportable: no\ttier: platform\tvalue: key aes-256-gcm 'vol'"), std::string::npos) << printed;
  Ok({"--export-cryptstore", Path("out.bin")});
  wire::cryptstore out = Exported("out.bin");
  EXPECT_FALSE(HasTag(out, "vol"));
  EXPECT_TRUE(HasTag(out, "wanted"));
}

TEST_P(EgressTest, TheOsReadsItsNonExportableEntriesLocally) {
  // WIRE.md: --get-item returns an entry whatever its exportable flag; exportable governs leaving the VM.
  WriteAll(Path("secret"), "dm-crypt-key");
  Ok({"--put-item", Path("secret"), "--tag", "vol"});
  EXPECT_EQ(Ok({"--get-item", "--tag", "vol"}), "dm-crypt-key");
  Ok({"--generate-and-save-key", "--public-key-algorithm", "ecc-256", "--tag", "ec"});
  EXPECT_FALSE(Ok({"--get-item", "--tag", "ec", "--output-format", "raw"}).empty());
}

TEST_P(EgressTest, TheTokensObjectFormatCannotBeWrittenByTheTool) {
  WriteAll(Path("forged"), "anything");
  for (const char* type : {"cf-pkcs11-secret-key", "cf-pkcs11-private-key", "cf-pkcs11-data"}) {
    RunResult r = Run({"--put-item", Path("forged"), "--tag", "forged", "--type", type});
    EXPECT_EQ(r.exit_code, 3) << type;
    EXPECT_NE(r.err.find("is reserved for objects the PKCS#11 module writes"), std::string::npos) << r.err;
  }
  // The same type inside a cryptstore_entry, and inside an import file.
  wire::cryptstore_entry entry;
  entry.set_tag("forged");
  entry.set_type("cf-pkcs11-secret-key");
  entry.set_blob("anything");
  WriteAll(Path("entry.bin"), entry.SerializeAsString());
  EXPECT_EQ(Run({"--put-item", Path("entry.bin"), "--tag", "forged", "--input-format", "cryptstore-entry"}).exit_code,
            3);
  wire::cryptstore file;
  *file.add_entries() = entry;
  WriteAll(Path("import.bin"), file.SerializeAsString());
  RunResult imported = Run({"--import-cryptstore", Path("import.bin")});
  EXPECT_EQ(imported.exit_code, 3);
  EXPECT_NE(imported.err.find("reserved"), std::string::npos) << imported.err;
  EXPECT_EQ(Ok({"--print-cryptstore"}).find("forged"), std::string::npos);
}

TEST_P(EgressTest, PrintWithoutThePinDoesNotNamePinTierEntries) {
  {
    tokendir::TokenLocation location;
    location.directory = token_dir_;
    location.backend = GetParam() == "cf-file" ? store::Backend::kCfFile : store::Backend::kSqlite;
    location.create_if_missing = false;
    location.pin_kdf_iterations = 1000;
    auto storage = tokendir::OpenTokenStorage(location);
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
    ASSERT_TRUE(storage->store->SetSoPin(SecureString("so-pin")).ok());
    ASSERT_TRUE(storage->store->InitUserPin(SecureString("1234")).ok());
  }
  WriteAll(Path("secret"), "v");
  Ok({"--put-item", Path("secret"), "--tag", "payroll-signing-key-2027", "--pin", "1234"});
  Ok({"--put-item", Path("secret"), "--tag", "public-note"});
  RunResult r = Run({"--print-cryptstore"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("payroll-signing-key-2027"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("public-note"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 PIN-protected, not listed"), std::string::npos) << r.err;
  EXPECT_NE(Ok({"--print-cryptstore", "--pin", "1234"}).find("payroll-signing-key-2027"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, EgressTest, ::testing::Values("sqlite", "cf-file"));

}  // namespace
}  // namespace cf::osutil::testing
