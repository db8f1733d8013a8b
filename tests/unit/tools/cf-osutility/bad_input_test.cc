// cf-osutility's answers to bad input: each is one line on stderr naming what was wrong, the documented exit code
// (1 usage, 2 not found, 3 other failure), nothing on stdout, and nothing stored before is lost.
#include "proto/certifier.pb.h"
#include "tests/unit/tools/cf-osutility/osutil_runner.h"

namespace cf::osutil::testing {
namespace {

class BadInputTest : public OsutilTest {
 protected:
  void SetUp() override {
    OsutilTest::SetUp();
    Ok({"--init-trust"});
    WriteAll(Path("keep"), "kept");
    Ok({"--put-item", Path("keep"), "--tag", "keep", "--exportable"});
  }
  void TearDown() override {
    EXPECT_EQ(Ok({"--get-item", "--tag", "keep"}), "kept");
    OsutilTest::TearDown();
  }
  void ExpectFailure(const std::vector<std::string>& args, int code, const std::string& says) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, code) << "stderr: " << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
};

TEST_F(BadInputTest, RejectsUnknownEnclaveTypeAndAlgorithms) {
  ExpectFailure({"--init-trust", "--enclave-type", "sgx-enclave"}, 1, "unknown --enclave-type 'sgx-enclave'");
  ExpectFailure({"--generate-and-save-key", "--tag", "x", "--symmetric-algorithm", "des-cbc"}, 1,
                "unknown --symmetric-algorithm 'des-cbc'");
  ExpectFailure({"--generate-and-save-key", "--tag", "x", "--public-key-algorithm", "rsa-1024"}, 1,
                "unknown --public-key-algorithm 'rsa-1024'");
  ExpectFailure({"--generate-and-save-key", "--tag", "x", "--public-key-algorithm", "aes-256-gcm"}, 1,
                "unknown --public-key-algorithm");
  ExpectFailure({"--get-item", "--tag", "keep", "--output-format", "pem"}, 1, "unknown --output-format 'pem'");
  ExpectFailure({"--put-item", Path("keep"), "--tag", "x", "--input-format", "public-der"}, 1,
                "unknown --input-format");
  ExpectFailure({"--print-cryptstore", "--backend", "leveldb"}, 1, "unknown --backend 'leveldb'");
}

TEST_F(BadInputTest, RejectsZeroNegativeAndOverflowingVersions) {
  ExpectFailure({"--put-item", Path("keep"), "--tag", "keep", "--version", "0"}, 1, "versions are positive");
  ExpectFailure({"--get-item", "--tag", "keep", "--version", "-3"}, 1, "is negative");
  ExpectFailure({"--get-item", "--tag", "keep", "--version", "2147483648"}, 1, "overflows");
  ExpectFailure({"--get-item", "--tag", "keep", "--version", "99999999999999999999999"}, 1, "overflows");
  ExpectFailure({"--get-item", "--tag", "keep", "--version", "1x"}, 1, "not a decimal number");
  // The largest version parses; there is no such entry.
  ExpectFailure({"--get-item", "--tag", "keep", "--version", "2147483647"}, 2, "version 2147483647");
}

TEST_F(BadInputTest, RejectsEmptyAndNonUtf8Tags) {
  ExpectFailure({"--get-item", "--tag", ""}, 1, "--tag is empty");
  ExpectFailure({"--get-item"}, 1, "--tag is empty or missing");
  ExpectFailure({"--put-item", Path("keep"), "--tag", "bad\xff\xfe"}, 1, "not valid UTF-8");
  ExpectFailure({"--put-item", Path("keep"), "--tag", "\xc0\xaf"}, 1, "not valid UTF-8");      // overlong '/'
  ExpectFailure({"--put-item", Path("keep"), "--tag", "\xed\xa0\x80"}, 1, "not valid UTF-8");  // surrogate
  ExpectFailure({"--put-item", Path("keep"), "--tag", std::string(5000, 't')}, 1, "longer than");
  Ok({"--put-item", Path("keep"), "--tag", "ключ-🔑"});
}

TEST_F(BadInputTest, ReportsMissingFilesAsNotFound) {
  ExpectFailure({"--put-item", Path("absent"), "--tag", "x"}, 2, "does not exist");
  ExpectFailure({"--import-cryptstore", Path("absent")}, 2, "does not exist");
  ExpectFailure({"--print-cryptstore", "--policy-domain", "never"}, 2, "run cf-osutility --init-trust");
  ExpectFailure({"--get-item", "--tag", "nothing"}, 2, "nothing");
  ExpectFailure({"--print-cryptstore", "--pin-file", Path("absent")}, 2, "--pin-file");
}

TEST_F(BadInputTest, RejectsMalformedInputEncodings) {
  WriteAll(Path("hex"), "0g");
  ExpectFailure({"--put-item", Path("hex"), "--tag", "x", "--input-format", "hex"}, 3, "is not valid hex");
  WriteAll(Path("b64"), "!!!!");
  ExpectFailure({"--put-item", Path("b64"), "--tag", "x", "--input-format", "base64"}, 3, "is not valid base64");
  WriteAll(Path("junk"), std::string("\xff\xff\xff\xff\x0f", 5));
  ExpectFailure({"--put-item", Path("junk"), "--tag", "x", "--input-format", "key-message-serialized-protobuf"}, 3,
                "malformed protobuf");
  ExpectFailure({"--put-item", Path("junk"), "--tag", "x", "--type", "key-message-serialized-protobuf"}, 3,
                "malformed protobuf");
  ExpectFailure({"--put-item", Path("junk"), "--tag", "x", "--input-format", "cryptstore-entry"}, 3,
                "not a serialized cryptstore_entry");
  ExpectFailure({"--import-cryptstore", Path("junk")}, 3, "not a serialized cryptstore");
  ExpectFailure({"--put-item", Path("junk"), "--tag", "x", "--type", "X509-der-cert"}, 3,
                "not one DER X.509 certificate");
}

TEST_F(BadInputTest, RejectsAmbiguousOrMissingOperations) {
  ExpectFailure({}, 1, "no operation given");
  ExpectFailure({"--get-item", "--latest-version", "--tag", "keep"}, 1, "one operation at a time");
  ExpectFailure({"--generate-and-save-key", "--tag", "x", "--symmetric-algorithm", "aes-256", "--public-key-algorithm",
                 "rsa-2048"},
                1, "not both");
  ExpectFailure({"--get-item", "--tag", "keep", "--no-such-flag"}, 1, "--no-such-flag");
  ExpectFailure({"--print-cryptstore", "--policy-domain", "../escape"}, 1, "without '/'");
}

TEST_F(BadInputTest, RefusesBlobsAboveTheStoreLimit) {
  std::string huge((64u << 20) + 1, 'x');
  WriteAll(Path("huge"), huge);
  ExpectFailure({"--put-item", Path("huge"), "--tag", "huge"}, 3, "larger than the store's limit");
}

TEST_F(OsutilTest, HelpShowsExamplesOnStdout) {
  RunResult r = Run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  EXPECT_NE(r.out.find("--init_trust"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes: 0 ok, 1 usage, 2 not found, 3 other failure"), std::string::npos);
}

TEST_F(OsutilTest, UsesCfPkcs11TokenDirWhenNoTokenDirIsGiven) {
  setenv("CF_PKCS11_TOKEN_DIR", token_dir_.c_str(), 1);
  // Run() unsets it in the child when it adds --token-dir; here it must reach the child.
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execl(CF_OSUTILITY_BIN, CF_OSUTILITY_BIN, "--init-trust", nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  unsetenv("CF_PKCS11_TOKEN_DIR");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(std::filesystem::exists(token_dir_ + "/cryptstore.sqlite"));
}

}  // namespace
}  // namespace cf::osutil::testing
