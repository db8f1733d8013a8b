// --init-trust's certification flags without a Certifier Service: both flags are needed, the address must be
// HOST:PORT, a bad policy certificate is refused before anything is created, and an unreachable service leaves
// no entry behind. Certification against a real cf-certifier is in tests/e2e_certifier.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "tests/unit/tools/cf-osutility/osutil_runner.h"

namespace cf::osutil::testing {
namespace {

TEST_F(OsutilTest, CertificationNeedsBothTheAddressAndThePolicyCertificate) {
  RunResult r = Run({"--init-trust", "--certifier-address", "127.0.0.1:8123"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("needs both --certifier-address HOST:PORT and --policy-cert-file FILE"), std::string::npos)
      << r.err;
  r = Run({"--init-trust", "--policy-cert-file", Path("cert.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(token_dir_)) << "a usage error created the token directory";
}

TEST_F(OsutilTest, RejectsACertifierAddressThatIsNotHostColonPort) {
  for (const char* address : {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", ":8123", "127.0.0.1:80x"}) {
    RunResult r = Run({"--init_trust", "--certifier_address", address, "--policy_cert_file", Path("c.pem")});
    EXPECT_EQ(r.exit_code, 1) << address << ": " << r.err;
    EXPECT_NE(r.err.find(std::string("--certifier-address '") + address + "'"), std::string::npos) << r.err;
  }
  RunResult r = Run({"--print-cryptstore", "--certifier-address", "127.0.0.1:1", "--policy-cert-file", "x"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("belong to --init-trust"), std::string::npos) << r.err;
}

TEST_F(OsutilTest, ABadPolicyCertificateFileFailsBeforeAnythingIsCreated) {
  WriteAll(Path("not-a-cert.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  RunResult r =
      Run({"--init-trust", "--certifier-address", "127.0.0.1:8123", "--policy-key-cert-file", Path("not-a-cert.pem")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("is not an X.509 certificate"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = Run({"--init-trust", "--certifier-address", "127.0.0.1:8123", "--policy-cert-file", Path("missing.der")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("reading --policy-cert-file"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(token_dir_)) << "a refused policy certificate created the token directory";
}

TEST_F(OsutilTest, AnUnreachableCertifierIsOneClearLineAndStoresNothing) {
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=policy -days 1 "
      "-keyout " +
      Path("k.pem") + " -out " + Path("policy.pem") + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  // A port bound but not listening refuses connections, and stays ours for the test.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::string address = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  RunResult r = Run({"--init-trust", "--certifier-address", address, "--policy-cert-file", Path("policy.pem")});
  close(fd);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot reach the Certifier Service at " + address), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Ok({"--print-cryptstore"}), "") << "an entry was stored although certification failed";
}

// tdx-enclave is accepted; outside an Intel TDX guest (no configfs-tsm report directory) it is one clear line, no
// crash; TPM flags stay the TPM's. (Inside a guest the store cannot be created: TDX has no sealing key, and the
// refusal says so: attest/tdx/tdx_enclave.h.)
TEST_F(OsutilTest, TdxEnclaveIsAcceptedAndOutsideATdxGuestSaysSo) {
  if (std::filesystem::exists("/sys/kernel/config/tsm/report")) GTEST_SKIP() << "configfs-tsm present";
  RunResult r = Run({"--init-trust", "--enclave-type", "tdx-enclave"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("not running in an Intel TDX guest"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/sys/kernel/config/tsm/report"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.out, "");
  r = Run({"--init-trust", "--enclave-type", "tdx-enclave", "--tpm-pcrs", "7"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("belong to --enclave-type tpm-enclave"), std::string::npos) << r.err;
  r = Run({"--init-trust", "--enclave-type", "no-such-enclave"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("tpm-enclave or tdx-enclave"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cf::osutil::testing
