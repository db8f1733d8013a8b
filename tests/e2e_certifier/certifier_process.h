// The CertifierProcess fixture shared by the e2e_certifier tests: a policy made with cf-policy, two simulated
// platforms (one trusted, one whose measurement is not), and a real cf-certifier on 127.0.0.1 (kernel-chosen port),
// stopped by SIGTERM when the suite ends. Shell() runs a command and returns its stdout+stderr.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "attest/certification_client.h"
#include "attest/framing.h"
#include "common/atomic_file.h"
#include "proto/key_codec.h"

namespace cf::attest {

inline std::string Shell(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[512];
  while (p != nullptr && fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  *status = p == nullptr ? -1 : pclose(p);
  return out;
}

class CertifierProcess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    MakeDirAndPolicyKey("certifier", "e2e-domain");
    if (HasFatalFailure()) return;
    EnclaveOptions o;
    o.directory = dir_ + "/platform";
    o.initial_measurement = Bytes(32, 0x42);
    auto enclave = OpenEnclave(o);
    ASSERT_TRUE(enclave.ok()) << enclave.status().ToString();
    enclave_ = std::move(enclave).value().release();
    auto evidence = enclave_->PlatformEvidence();
    ASSERT_TRUE(evidence.ok() && !evidence->empty());
    wire::signed_claim_message endorsement;
    ASSERT_TRUE(endorsement.ParseFromString((*evidence)[0].serialized_evidence()));
    ASSERT_TRUE(
        WriteFileAtomic(dir_ + "/platform_key.bin", AsBytes(endorsement.signing_key().SerializeAsString())).ok());
    // A second platform whose key the policy trusts but whose measurement it does not.
    o.directory = dir_ + "/platform-other";
    o.initial_measurement = Bytes(32, 0x13);
    auto other = OpenEnclave(o);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    other_ = std::move(other).value().release();
    auto other_evidence = other_->PlatformEvidence();
    ASSERT_TRUE(other_evidence.ok() && !other_evidence->empty());
    ASSERT_TRUE(endorsement.ParseFromString((*other_evidence)[0].serialized_evidence()));
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/other_key.bin", AsBytes(endorsement.signing_key().SerializeAsString())).ok());
    std::ofstream(dir_ + "/policy.txt") << "# e2e policy\ntrust-platform-key " << dir_ << "/platform_key.bin\n"
                                        << "trust-platform-key " << dir_ << "/other_key.bin\n"
                                        << "trust-measurement " << HexEncode(enclave_->measurement()) << "\n";
    CompilePolicy();
    if (HasFatalFailure()) return;
    StartDaemon();
  }

  // A fresh directory for the suite (dir_, /tmp/cf-e2e-<name>-*) with a policy key and its self-signed certificate
  // for `domain` (policy_key.bin, policy_cert.der), made by cf-policy as a security team would.
  static void MakeDirAndPolicyKey(const std::string& name, const std::string& domain) {
    std::string tmpl = "/tmp/cf-e2e-" + name + "-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    int st = 0;
    std::string out = Shell(std::string(CF_POLICY_BIN) + " make-key --key-out " + dir_ + "/policy_key.bin" +
                                " --cert-out " + dir_ + "/policy_cert.der --domain " + domain,
                            &st);
    ASSERT_EQ(st, 0) << out;
  }
  // Compiles the suite's policy.txt with its policy key into policy.bin, what the daemon serves.
  static void CompilePolicy() {
    int st = 0;
    std::string out = Shell(std::string(CF_POLICY_BIN) + " compile --in " + dir_ + "/policy.txt --key " + dir_ +
                                "/policy_key.bin --out " + dir_ + "/policy.bin",
                            &st);
    ASSERT_EQ(st, 0) << out;
  }

  static void StartDaemon() { pid_ = Spawn(dir_ + "/certifier.log", &port_); }

  // Starts a cf-certifier logging to `log` and waits (bounded: 10 s) for it to say where it listens. `policy`:
  // the signed policy file (default: the suite's); `extra`: more options.
  static pid_t Spawn(const std::string& log, uint16_t* port, const std::string& policy = "",
                     const std::vector<std::string>& extra = {}) {
    const std::string policy_file = policy.empty() ? dir_ + "/policy.bin" : policy;
    std::vector<std::string> args = {CF_CERTIFIER_BIN,
                                     "--policy-key-file",
                                     dir_ + "/policy_key.bin",
                                     "--policy-cert-file",
                                     dir_ + "/policy_cert.der",
                                     "--policy-file",
                                     policy_file,
                                     "--port",
                                     "0",
                                     "--workers",
                                     "2",
                                     "--deadline-ms",
                                     "2000",
                                     "--max-message-bytes",
                                     "65536",
                                     "--log-file",
                                     log};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
      execv(CF_CERTIFIER_BIN, argv.data());
      _exit(127);
    }
    *port = 0;
    for (int i = 0; i < 200 && *port == 0; ++i) {
      usleep(50000);
      auto text = ReadFile(log);
      if (!text.ok()) continue;
      std::string s = AsString(*text);
      auto at = s.find("listening on 127.0.0.1:");
      if (at != std::string::npos) *port = static_cast<uint16_t>(atoi(s.c_str() + at + 23));
    }
    EXPECT_NE(*port, 0) << "cf-certifier did not start";
    return pid;
  }

  static std::string Log() { return AsString(*ReadFile(dir_ + "/certifier.log")); }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "cf-certifier did not stop cleanly";
    }
    delete enclave_;
    delete other_;
    int st = 0;
    if (getenv("CF_E2E_KEEP") == nullptr) Shell("rm -rf " + dir_, &st);
  }

  CertificationRequest Request() {
    CertificationRequest r;
    r.port = port_;
    r.deadline = std::chrono::milliseconds(5000);
    r.policy_cert_der = *ReadFile(dir_ + "/policy_cert.der");
    r.auth_key = *keys::GenerateKeyMessage("rsa-2048", "authKey");
    return r;
  }

  inline static std::string dir_;
  inline static pid_t pid_ = 0;
  inline static uint16_t port_ = 0;
  inline static Enclave* enclave_ = nullptr;
  inline static Enclave* other_ = nullptr;
};

}  // namespace cf::attest
