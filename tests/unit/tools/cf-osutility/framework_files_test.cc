// cf-osutility on files the Certifier Framework's own cf_utility made (tests/fixtures/cf-vm-tools), driven by the
// framework's command line: it lists and reads every entry as the framework wrote it, and what it writes still
// opens the framework's way (decoded by framework_decoder.h, not by the tool's code), keeping every entry.
#include "proto/cryptstore.pb.h"
#include "tests/unit/tools/cf-osutility/framework_decoder.h"
#include "tests/unit/tools/cf-osutility/osutil_runner.h"

namespace cf::osutil::testing {
namespace {

const std::string kFixtures = CF_VM_TOOLS_FIXTURES;

class FrameworkFiles : public OsutilTest {
 protected:
  void SetUp() override {
    OsutilTest::SetUp();
    data_ = dir_ + "/cf/";
    std::filesystem::create_directories(data_ + "cf_data");
    for (const char* f :
         {"attest_key_file.bin", "cf_utility.measurement", "platform_attest_endorsement.bin", "policy_cert_file.bin"})
      std::filesystem::copy_file(kFixtures + "/platform/" + f, data_ + "cf_data/" + f);
    for (const char* f : {"cryptstore.bin", "policy_store.bin"})
      std::filesystem::copy_file(kFixtures + "/store/" + f, data_ + f);
    measurement_ = ReadAll(kFixtures + "/platform/cf_utility.measurement");
  }

  // The flags every framework line here shares, then `extra` (a repeated flag's last value counts, as in gflags).
  RunResult Cf(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--enclave_type=simulated-enclave",
                                     "--policy_domain_name=cfinterop",
                                     "--policy_key_cert_file=policy_cert_file.bin",
                                     "--policy_store_filename=policy_store.bin",
                                     "--encrypted_cryptstore_filename=cryptstore.bin",
                                     "--data_dir=" + data_};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args, "", /*add_token_dir=*/false);
  }

  std::string Get(const std::string& tag, const std::string& format) {
    std::string out = Path("out-" + tag + "-" + format);
    RunResult r = Cf({"--get_item=true", "--entry_tag=" + tag, "--output_format=" + format, "--output_file=" + out});
    EXPECT_EQ(r.exit_code, 0) << tag << " " << format << ": " << r.err;
    EXPECT_EQ(r.out, "succeeded\n");
    return ReadAll(out);
  }

  wire::cryptstore Decoded() {
    wire::cryptstore store;
    std::string plain = DecodeFrameworkFile(ReadAll(data_ + "cryptstore.bin"), measurement_);
    EXPECT_FALSE(plain.empty()) << "the cryptstore no longer opens the framework's way";
    EXPECT_TRUE(store.ParseFromString(plain));
    return store;
  }

  wire::cryptstore Exported() {
    wire::cryptstore store;
    EXPECT_TRUE(store.ParseFromString(ReadAll(kFixtures + "/store/cf_export.bin")));
    return store;
  }

  std::string data_, measurement_;
};

TEST_F(FrameworkFiles, ListsEveryEntryTheFrameworkStored) {
  RunResult r = Cf({"--print_cryptstore=true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* tag :
       {"cfinterop-admission-certificate", "cfinterop-private-auth-key", "cf-disk-key", "cf-rsa-key", "cf-note"})
    EXPECT_NE(r.out.find(std::string("tag: ") + tag + "\t"), std::string::npos) << tag << "\n" << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 10), "succeeded\n");
  EXPECT_EQ(r.out.find("cf secret v1"), std::string::npos) << "print shows secret bytes";
}

TEST_F(FrameworkFiles, GetsEveryEntryAsTheFrameworkWroteIt) {
  EXPECT_EQ(Get("cf-disk-key", "raw"), ReadAll(kFixtures + "/store/cf-disk-key.raw"));
  EXPECT_EQ(Get("cfinterop-admission-certificate", "raw"), ReadAll(kFixtures + "/store/admission.der"));
  EXPECT_EQ(Get("cf-note", "raw"), "cf secret v1\n");
  const wire::cryptstore exported = Exported();
  for (const auto& want : exported.entries()) {
    wire::cryptstore_entry got;
    ASSERT_TRUE(got.ParseFromString(Get(want.tag(), "serialized-protobuf"))) << want.tag();
    EXPECT_EQ(got.type(), want.type());
    EXPECT_EQ(got.version(), want.version());
    EXPECT_EQ(got.blob(), want.blob()) << want.tag();
    EXPECT_EQ(got.exportable(), want.exportable()) << want.tag();
  }
  wire::key_message auth;
  ASSERT_TRUE(auth.ParseFromString(Get("cfinterop-private-auth-key", "key-message-serialized-protobuf")));
  EXPECT_FALSE(auth.rsa_key().private_exponent().empty()) << "a local get returns non-exportable keys too";
}

TEST_F(FrameworkFiles, PutKeepsEveryEntryAndTheFileStillOpensTheFrameworksWay) {
  WriteAll(Path("in_blob"), "a new secret");
  for (int i = 0; i < 2; ++i) {
    RunResult r = Cf({"--put_item=true", "--entry_tag=added", "--entry_type=binary-blob",
                      "--input_file=" + Path("in_blob"), "--exportable=true"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string key_type;
  ASSERT_FALSE(DecodeFrameworkFile(ReadAll(data_ + "cryptstore.bin"), measurement_, &key_type).empty());
  EXPECT_EQ(key_type, "aes-256-gcm") << "a rewrite keeps the file's own sealing algorithm";
  wire::cryptstore after = Decoded();
  wire::cryptstore before = Exported();
  ASSERT_EQ(after.entries_size(), before.entries_size() + 2);
  for (int i = 0; i < before.entries_size(); ++i)
    EXPECT_EQ(after.entries(i).SerializeAsString(), before.entries(i).SerializeAsString()) << i;
  EXPECT_EQ(after.entries(5).tag(), "added");
  EXPECT_EQ(after.entries(5).version(), 1);
  EXPECT_EQ(after.entries(6).version(), 2) << "a put without a version stores latest + 1";
  EXPECT_EQ(after.entries(6).blob(), "a new secret");
  EXPECT_TRUE(after.entries(6).exportable());
  // The framework's policy store is left as it was by anything but --init_trust.
  EXPECT_EQ(ReadAll(data_ + "policy_store.bin"), ReadAll(kFixtures + "/store/policy_store.bin"));
}

TEST_F(FrameworkFiles, KeepsBothEntriesOfATagAndVersionTheFrameworkWroteTwice) {
  wire::cryptstore twice;
  for (const char* blob : {"first", "second"}) {
    auto* e = twice.add_entries();
    e->set_tag("dup");
    e->set_type("binary-blob");
    e->set_version(1);
    e->set_blob(blob);
  }
  WriteAll(data_ + "cryptstore.bin", EncodeFrameworkFile(twice.SerializeAsString(), measurement_));
  WriteAll(Path("in"), "third");
  RunResult r = Cf({"--put_item=true", "--entry_tag=dup", "--entry_type=binary-blob", "--input_file=" + Path("in")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: '" + data_ + "cryptstore.bin' holds tag 'dup' version 1 (2 entries)"),
            std::string::npos)
      << r.err;
  wire::cryptstore after = Decoded();
  ASSERT_EQ(after.entries_size(), 3);
  EXPECT_EQ(after.entries(0).blob(), "first");
  EXPECT_EQ(after.entries(1).blob(), "second");
  EXPECT_EQ(after.entries(2).version(), 2);
  EXPECT_EQ(after.entries(2).blob(), "third");
}

TEST_F(FrameworkFiles, AcceptsEveryGflagsSpelling) {
  WriteAll(Path("in"), "x");
  RunResult r = Cf({"-put_item", "-entry_tag", "spelled", "--entry_type", "binary-blob", "--input_file", Path("in"),
                    "--noexportable", "--print_cryptstore", "true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tag: spelled\ttype: binary-blob\tversion: 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tag: spelled\ttype: binary-blob\tversion: 1\ttime: "), std::string::npos);
  EXPECT_FALSE(Decoded().entries(5).exportable());
  r = Cf({"--get_item=yes", "--entry_tag=spelled", "--output_format=raw", "--output_file=-", "--print_level=0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "x");
}

TEST_F(FrameworkFiles, RefusesUnknownContradictoryAndUnsupportedFlagsChangingNothing) {
  const std::string before = ReadAll(data_ + "cryptstore.bin");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  } cases[] = {
      {{"--print_cryptstore=true", "--frobnicate=1"}, "--frobnicate"},
      {{"--print_cryptstore=true", "--token-dir", Path("t")}, "contradict"},
      {{"--print_cryptstore=true", "--policy-store-name", "x"}, "contradict"},
      {{"--generate_symmetric_key=true", "--generate_public_key=true"}, "contradict"},
      {{"--generate_symmetric_key=true", "--keyname=a", "--entry_tag=b"}, "contradict"},
      {{"--get_item=true", "--put_item=true", "--entry_tag=x"}, "one operation"},
      {{"--print_cryptstore=true", "--enclave_type=tpm-enclave"}, "TPM"},
      {{"--print_cryptstore=true", "--run_first_pass=true"}, "TPM"},
      {{"--print_cryptstore=true", "--ark_cert_file=ark.der"}, "sev-enclave"},
      {{"--get_item=true", "--entry_tag=x", "--entry_version=-1"}, "negative"},
      {{"--get_item=true", "--entry_tag=x", "--service_port=99999"}, "--service_port"},
      {{"--generate_symmetric_key=true", "--keyname=k", "--duration=-1"}, "--duration"},
  };
  for (const Case& c : cases) {
    RunResult r = Cf(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args[0] << " " << c.args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(ReadAll(data_ + "cryptstore.bin"), before);
}

TEST_F(FrameworkFiles, HelpExportAndFailedWritesLeaveTheStoreAsItWas) {
  const std::string before = ReadAll(data_ + "cryptstore.bin");
  RunResult r = Cf({"--cf_utility_help=true"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--data_dir"), std::string::npos);
  EXPECT_NE(r.out.find("tpm-enclave"), std::string::npos) << "help names what is refused";
  r = Cf({"--put_item=true", "--entry_tag=x", "--entry_type=binary-blob", "--input_file=" + Path("missing")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // Importing entries that are already there (the framework's own export) is refused whole.
  r = Cf({"--import_cryptstore=true", "--input_file=" + kFixtures + "/store/cf_export.bin"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_EQ(ReadAll(data_ + "cryptstore.bin"), before);
  // Export: what may leave the VM; the non-exportable auth key and nothing else is withheld by name.
  r = Cf({"--export_cryptstore=true", "--output_file=" + Path("plain")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("cfinterop-private-auth-key"), std::string::npos) << r.err;
  wire::cryptstore exported;
  ASSERT_TRUE(exported.ParseFromString(ReadAll(Path("plain"))));
  EXPECT_EQ(exported.entries_size(), 4);
  for (const auto& e : exported.entries()) EXPECT_NE(e.tag(), "cfinterop-private-auth-key");
}

TEST_F(FrameworkFiles, GetsAndPutsOnlyInACertifiedDomain) {
  RunResult r = Cf({"--get_item=true", "--entry_tag=cf-note", "--policy_domain_name=uncertified"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("domain 'uncertified' is not certified"), std::string::npos) << r.err;
  std::filesystem::remove(data_ + "policy_store.bin");
  r = Cf({"--get_item=true", "--entry_tag=cf-note"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("run --init_trust=true first"), std::string::npos) << r.err;
  EXPECT_EQ(Cf({"--print_cryptstore=true"}).exit_code, 0) << "print needs no certification";
}

TEST_F(FrameworkFiles, AnotherMeasurementCannotOpenTheStore) {
  std::string other = measurement_;
  other[0] ^= 1;
  WriteAll(data_ + "cf_data/cf_utility.measurement", other);
  RunResult r = Cf({"--print_cryptstore=true"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("another measurement"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "failed\n");
}

}  // namespace
}  // namespace cf::osutil::testing
