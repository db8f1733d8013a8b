// Policy rollout on a real cf-certifier: SIGHUP reads the signed policy again. Certifications running while it
// happens all get an answer (no connection dropped); later ones are judged by the new policy (here one that no
// longer trusts the first platform's measurement); a policy signed by another key, or garbage, is refused with a
// log line and the policy in force stays.
#include "tests/e2e_certifier/certifier_process.h"

namespace cf::attest {
namespace {

class PolicyReload : public CertifierProcess {
 protected:
  // Waits (bounded: 10 s) until `log` holds `text` `count` times.
  static bool WaitForLog(const std::string& log, const std::string& text, int count) {
    for (int i = 0; i < 100; ++i) {
      auto got = ReadFile(log);
      if (got.ok()) {
        std::string s = AsString(*got);
        int seen = 0;
        for (size_t at = s.find(text); at != std::string::npos; at = s.find(text, at + 1)) ++seen;
        if (seen >= count) return true;
      }
      usleep(100000);
    }
    return false;
  }

  // Compiles policy text with `key` into `out`, written under a temporary name and renamed (as a rollout would).
  static void Compile(const std::string& text, const std::string& key, const std::string& out) {
    std::ofstream(dir_ + "/reload.txt") << text;
    int st = 0;
    std::string said = Shell(std::string(CF_POLICY_BIN) + " compile --in " + dir_ + "/reload.txt --key " + key +
                                 " --out " + out + ".new && mv " + out + ".new " + out,
                             &st);
    ASSERT_EQ(st, 0) << said;
  }

  Result<Bytes> CertifyWith(Enclave& enclave, uint16_t port) {
    CertificationRequest r = Request();
    r.port = port;
    return Certify(enclave, r);
  }
};

TEST_F(PolicyReload, NewPolicyOnSighupInFlightRequestsAnsweredBadPolicyRefused) {
  const std::string policy = dir_ + "/rollout-policy.bin", log = dir_ + "/rollout.log";
  ASSERT_TRUE(WriteFileAtomic(policy, *ReadFile(dir_ + "/policy.bin")).ok());
  uint16_t port = 0;
  pid_t pid = Spawn(log, &port, policy);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(CertifyWith(*enclave_, port).ok());
  ASSERT_EQ(CertifyWith(*other_, port).status().code(), Code::kPolicyDenied);

  // The new policy trusts the other platform's measurement instead of the first one's.
  Compile("trust-platform-key " + dir_ + "/platform_key.bin\ntrust-platform-key " + dir_ +
              "/other_key.bin\ntrust-measurement " + HexEncode(other_->measurement()) + "\n",
          dir_ + "/policy_key.bin", policy);
  // Certifications running while the signal comes: each gets an answer, admitted (old policy) or denied (new).
  std::atomic<int> answered{0}, lost{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&] {
      EnclaveOptions o;
      o.directory = dir_ + "/platform";
      o.create_if_missing = false;
      auto enclave = OpenEnclave(o);
      if (!enclave.ok()) return;
      for (int i = 0; i < 200 && !stop; ++i) {
        auto got = CertifyWith(**enclave, port);
        (got.ok() || got.status().code() == Code::kPolicyDenied ? answered : lost)++;
      }
    });
  }
  usleep(200000);
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  const bool reloaded = WaitForLog(log, "SIGHUP: policy reloaded", 1);
  usleep(200000);
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_TRUE(reloaded) << AsString(*ReadFile(log));
  EXPECT_EQ(lost.load(), 0) << "certifications without an answer during the reload";
  EXPECT_GT(answered.load(), 0);
  auto denied = CertifyWith(*enclave_, port);
  EXPECT_EQ(denied.status().code(), Code::kPolicyDenied) << denied.status().ToString();
  EXPECT_NE(denied.status().message().find("measurement " + HexEncode(enclave_->measurement()) + " is not trusted"),
            std::string::npos)
      << denied.status().message();
  EXPECT_TRUE(CertifyWith(*other_, port).ok());

  // A policy signed by another key does not verify: refused, the policy in force stays.
  int st = 0;
  std::string out = Shell(std::string(CF_POLICY_BIN) + " make-key --key-out " + dir_ + "/stranger_key.bin" +
                              " --cert-out " + dir_ + "/stranger_cert.der --domain stranger",
                          &st);
  ASSERT_EQ(st, 0) << out;
  Compile("trust-platform-key " + dir_ + "/platform_key.bin\ntrust-measurement " + HexEncode(enclave_->measurement()) +
              "\n",
          dir_ + "/stranger_key.bin", policy);
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  ASSERT_TRUE(WaitForLog(log, "SIGHUP: new policy refused, the one in force stays", 1)) << AsString(*ReadFile(log));
  EXPECT_EQ(CertifyWith(*enclave_, port).status().code(), Code::kPolicyDenied);
  EXPECT_TRUE(CertifyWith(*other_, port).ok());
  // Garbage: the same.
  ASSERT_TRUE(WriteFileAtomic(policy, AsBytes(std::string("not a signed policy"))).ok());
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  ASSERT_TRUE(WaitForLog(log, "SIGHUP: new policy refused, the one in force stays", 2)) << AsString(*ReadFile(log));
  EXPECT_TRUE(CertifyWith(*other_, port).ok());

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::string text = AsString(*ReadFile(log));
  EXPECT_NE(text.find(", 0 connections dropped without an answer"), std::string::npos) << text;
}

}  // namespace
}  // namespace cf::attest
