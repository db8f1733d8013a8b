// A real cf-certifier on 127.0.0.1 (port chosen by the kernel), policy made with cf-policy, a simulated enclave
// (attest::OpenEnclave) certified with attest::Certify, the certificate checked by `openssl verify`; a denied
// measurement; hostile bytes on the socket; replay; 8 clients x 100 requests; cf-osutility --init-trust and
// cf-attest platform-key as command-line clients. The daemon is stopped by SIGTERM.
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

#include "attest/certification_client.h"
#include "attest/framing.h"
#include "common/atomic_file.h"
#include "proto/key_codec.h"

namespace cf::attest {
namespace {

std::string Shell(const std::string& cmd, int* status) {
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
    char tmpl[] = "/tmp/cf-e2e-certifier-XXXXXX";
    dir_ = mkdtemp(tmpl);
    int st = 0;
    std::string out = Shell(std::string(CF_POLICY_BIN) + " make-key --key-out " + dir_ + "/policy_key.bin" +
                                " --cert-out " + dir_ + "/policy_cert.der --domain e2e-domain",
                            &st);
    ASSERT_EQ(st, 0) << out;
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
    out = Shell(std::string(CF_POLICY_BIN) + " compile --in " + dir_ + "/policy.txt --key " + dir_ +
                    "/policy_key.bin --out " + dir_ + "/policy.bin",
                &st);
    ASSERT_EQ(st, 0) << out;
    StartDaemon();
  }

  static void StartDaemon() { pid_ = Spawn(dir_ + "/certifier.log", &port_); }

  // Starts a cf-certifier logging to `log` and waits (bounded: 10 s) for it to say where it listens.
  static pid_t Spawn(const std::string& log, uint16_t* port) {
    pid_t pid = fork();
    if (pid == 0) {
      execl(CF_CERTIFIER_BIN, CF_CERTIFIER_BIN, "--policy-key-file", (dir_ + "/policy_key.bin").c_str(),
            "--policy-cert-file", (dir_ + "/policy_cert.der").c_str(), "--policy-file", (dir_ + "/policy.bin").c_str(),
            "--port", "0", "--workers", "2", "--deadline-ms", "2000", "--max-message-bytes", "65536", "--log-file",
            log.c_str(), nullptr);
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

  static std::string dir_;
  static pid_t pid_;
  static uint16_t port_;
  static Enclave* enclave_;
  static Enclave* other_;
};
std::string CertifierProcess::dir_;
pid_t CertifierProcess::pid_ = 0;
uint16_t CertifierProcess::port_ = 0;
Enclave* CertifierProcess::enclave_ = nullptr;
Enclave* CertifierProcess::other_ = nullptr;

TEST_F(CertifierProcess, CertifiesASimulatedEnclaveAndOpensslVerifiesTheCertificate) {
  auto der = Certify(*enclave_, Request());
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/admission.der", *der).ok());
  int st = 0;
  std::string out =
      Shell("openssl x509 -inform der -in " + dir_ + "/policy_cert.der -out " + dir_ +
                "/policy_cert.pem && openssl x509 -inform der -in " + dir_ + "/admission.der -out " + dir_ +
                "/admission.pem && openssl verify -CAfile " + dir_ + "/policy_cert.pem " + dir_ + "/admission.pem",
            &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("admission.pem: OK"), std::string::npos) << out;
  out = Shell("openssl x509 -in " + dir_ + "/admission.pem -noout -subject", &st);
  EXPECT_NE(out.find("CertifierUsers"), std::string::npos) << out;
  EXPECT_NE(out.find("Measured-" + HexEncode(enclave_->measurement())), std::string::npos) << out;
  EXPECT_NE(out.find("Platform-simulated-enclave"), std::string::npos) << out;
  EXPECT_NE(Log().find("admitted vse-attestation-package for authentication"), std::string::npos) << Log();
}

TEST_F(CertifierProcess, DeniesAnEnclaveWithAnotherMeasurementWithTheReason) {
  auto der = Certify(*other_, Request());
  ASSERT_EQ(der.status().code(), Code::kPolicyDenied) << der.status().ToString();
  EXPECT_NE(der.status().message().find("measurement " + HexEncode(other_->measurement()) + " is not trusted"),
            std::string::npos)
      << der.status().message();
  // The daemon logs its decision before it replies, so the line is there now: no waiting, no retry.
  auto log = Log();
  EXPECT_NE(log.find("denied: POLICY_DENIED: measurement " + HexEncode(other_->measurement()) + " is not trusted"),
            std::string::npos)
      << log;
}

TEST_F(CertifierProcess, RefusesAReplayedRequest) {
  CertificationRequest r = Request();
  auto msg = BuildTrustRequest(*enclave_, r);
  ASSERT_TRUE(msg.ok());
  auto first = Exchange(*msg, r);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status(), "succeeded") << first->reason();
  auto second = Exchange(*msg, r);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status(), "failed");
  EXPECT_NE(second->reason().find("replay"), std::string::npos) << second->reason();
  EXPECT_NE(Log().find("denied: POLICY_DENIED: nonce "), std::string::npos) << Log();
  EXPECT_NE(Log().find("was already used (replay)"), std::string::npos) << Log();
}

// Sends raw bytes on a blocking connection and returns what the service answered (empty when it closed).
Bytes SendRaw(uint16_t port, const Bytes& bytes, bool half_close) {
  auto s = ConnectTcp("127.0.0.1", port, Clock::now() + std::chrono::seconds(2));
  EXPECT_TRUE(s.ok());
  if (!s.ok()) return {};
  fcntl(s->fd(), F_SETFL, fcntl(s->fd(), F_GETFL) & ~O_NONBLOCK);
  if (!bytes.empty()) {
    EXPECT_EQ(write(s->fd(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  if (half_close) shutdown(s->fd(), SHUT_WR);
  Bytes reply;
  uint8_t buf[512];
  // Until the service closes; its per-connection deadline (2 s here) bounds this.
  for (ssize_t n; (n = read(s->fd(), buf, sizeof(buf))) > 0;) reply.insert(reply.end(), buf, buf + n);
  return reply;
}

wire::trust_response_message Parse(const Bytes& reply) {
  wire::trust_response_message r;
  EXPECT_GE(reply.size(), 4u);
  if (reply.size() >= 4) {
    EXPECT_TRUE(r.ParseFromArray(reply.data() + 4, static_cast<int>(reply.size() - 4)));
  }
  return r;
}

TEST_F(CertifierProcess, KeepsServingAfterMalformedTruncatedOversizedAndRandomBytes) {
  std::mt19937 rng(1);
  auto r = Parse(SendRaw(port_, {0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff}, true));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("not a trust_request_message"), std::string::npos) << r.reason();
  EXPECT_TRUE(SendRaw(port_, {0x40, 0x00, 0x00, 0x00, 0x0a, 0x01}, true).empty());  // truncated: no answer
  r = Parse(SendRaw(port_, {0x00, 0x00, 0xff, 0x00}, true));                        // ~16 MiB announced
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("limit"), std::string::npos) << r.reason();
  for (int i = 0; i < 30; ++i) {
    Bytes noise(1 + rng() % 300);
    for (auto& b : noise) b = static_cast<uint8_t>(rng());
    if (i % 2 == 0) {  // a well-formed frame of random bytes reaches the parser
      uint32_t n = static_cast<uint32_t>(noise.size());
      noise.insert(noise.begin(), {uint8_t(n), uint8_t(n >> 8), 0, 0});
    }
    SendRaw(port_, noise, true);
  }
  auto der = Certify(*enclave_, Request());
  EXPECT_TRUE(der.ok()) << der.status().ToString();
  // Each refusal has its log line with the reason (written before the reply, so present now).
  std::string log = Log();
  EXPECT_NE(log.find("denied: INVALID_ARGUMENT: request is not a trust_request_message"), std::string::npos) << log;
  EXPECT_NE(log.find("denied: RESOURCE_EXHAUSTED"), std::string::npos) << log;
}

TEST_F(CertifierProcess, StopsCleanlyOnSigterm) {
  uint16_t port = 0;
  std::string log = dir_ + "/sigterm.log";
  pid_t pid = Spawn(log, &port);
  ASSERT_GT(pid, 0);
  CertificationRequest r = Request();
  r.port = port;
  EXPECT_TRUE(Certify(*enclave_, r).ok());
  std::thread silent([&] { SendRaw(port, {0x01}, false); });  // a connection still open when the signal comes
  usleep(100000);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = -1;
  pid_t done = 0;
  for (int i = 0; i < 100 && done == 0; ++i) {  // bounded: 10 s
    done = waitpid(pid, &status, WNOHANG);
    if (done == 0) usleep(100000);
  }
  silent.join();
  if (done == 0) {  // do not leave it behind when the assertion below fails
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  ASSERT_EQ(done, pid) << "cf-certifier did not stop within 10 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::string text = AsString(*ReadFile(log));
  EXPECT_NE(text.find("stopping on SIGTERM after 1 admitted"), std::string::npos) << text;
  // The port is released: nothing listens there any more.
  EXPECT_EQ(ConnectTcp("127.0.0.1", port, Clock::now() + std::chrono::seconds(1)).status().code(), Code::kUnreachable);
}

TEST_F(CertifierProcess, CfPolicyPrintsThePolicyInWords) {
  int st = 0;
  std::string out = Shell(
      std::string(CF_POLICY_BIN) + " print --policy " + dir_ + "/policy.bin --key " + dir_ + "/policy_key.bin", &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("signed by the policy key"), std::string::npos) << out;
  EXPECT_NE(out.find("admits programs whose measurement is " + HexEncode(enclave_->measurement())), std::string::npos)
      << out;
  EXPECT_NE(out.find("trusts the platform key"), std::string::npos) << out;
  // Under another key the signatures do not check and nothing is printed as policy.
  out = Shell(std::string(CF_POLICY_BIN) + " make-key --key-out " + dir_ + "/other_policy.bin --cert-out " + dir_ +
                  "/other_policy.der --domain x --algorithm ecc-384 && " + CF_POLICY_BIN + " print --policy " + dir_ +
                  "/policy.bin --key " + dir_ + "/other_policy.bin",
              &st);
  EXPECT_NE(st, 0) << out;
  EXPECT_EQ(out.find("admits programs"), std::string::npos) << out;
}

TEST_F(CertifierProcess, ASilentClientDoesNotStallOthers) {
  // Judged by order, not by absolute times (CI machines are loaded): the other client's answer must arrive while
  // the silent client is still held, and the silent one is released only by the daemon's deadline (2 s: the margin
  // a loaded CI machine needs for the other client's whole exchange).
  CertificationRequest r = Request();  // key generation is outside the measured part
  auto silent_start = Clock::now();
  Clock::time_point silent_end;
  std::thread silent([&] {
    SendRaw(port_, {0x01, 0x02}, false);
    silent_end = Clock::now();
  });
  usleep(100000);  // lets the daemon hand the silent connection to a worker first; the assertions hold either way
  auto der = Certify(*enclave_, r);
  auto served = Clock::now();
  silent.join();
  EXPECT_TRUE(der.ok()) << der.status().ToString();
  EXPECT_LT(served, silent_end) << "the other client was answered only after the silent one was dropped";
  EXPECT_GE(silent_end - silent_start, std::chrono::milliseconds(1900))
      << "the silent one was not held to its deadline";
}

// cf-osutility on the fixture's trusted platform: the store gets the admission certificate, which openssl accepts
// under the policy certificate; a second run reuses the auth key and stores version 2.
TEST_F(CertifierProcess, OsutilityInitTrustStoresAnAdmissionCertificateOpensslVerifies) {
  std::string osu = std::string(CF_OSUTILITY_BIN) + " --token-dir " + dir_ + "/tok --sealed-key-filename " + dir_ +
                    "/platform";
  std::string certify = osu + " --init-trust --certifier-address 127.0.0.1:" + std::to_string(port_) +
                        " --policy-cert-file " + dir_ + "/policy_cert.der";
  int st = 0;
  std::string out = Shell(certify, &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_NE(out.find("(new auth key): stored 'admission-certificate' version 1"), std::string::npos) << out;
  out = Shell(osu + " --get-item --tag admission-certificate --type X509-der-cert --output-file " + dir_ +
                  "/osu-admission.der && openssl x509 -inform der -in " + dir_ + "/osu-admission.der -out " + dir_ +
                  "/osu-admission.pem && openssl x509 -inform der -in " + dir_ + "/policy_cert.der -out " + dir_ +
                  "/osu-policy.pem && openssl verify -CAfile " + dir_ + "/osu-policy.pem " + dir_ +
                  "/osu-admission.pem",
              &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("osu-admission.pem: OK"), std::string::npos) << out;
  out = Shell(certify, &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_NE(out.find("(existing auth key): stored 'admission-certificate' version 2"), std::string::npos) << out;
  out = Shell(osu + " --print-cryptstore", &st);
  EXPECT_NE(out.find("tag: auth-key\ttype: key-message-serialized-protobuf\tversion: 1"), std::string::npos) << out;
  EXPECT_EQ(out.find("tag: auth-key\ttype: key-message-serialized-protobuf\tversion: 2"), std::string::npos) << out;
  EXPECT_NE(out.find("exportable: no"), std::string::npos) << out;
}

TEST_F(CertifierProcess, OsutilityInitTrustDeniedForAnotherMeasurementSaysWhyAndStoresNothing) {
  std::string osu = std::string(CF_OSUTILITY_BIN) + " --token-dir " + dir_ + "/tok-other --sealed-key-filename " +
                    dir_ + "/platform-other";
  int st = 0;
  std::string out = Shell(osu + " --init-trust --certifier-address 127.0.0.1:" + std::to_string(port_) +
                              " --policy-cert-file " + dir_ + "/policy_cert.der",
                          &st);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << st << " " << out;
  EXPECT_NE(out.find("denied certification"), std::string::npos) << out;
  EXPECT_NE(out.find("measurement " + HexEncode(other_->measurement()) + " is not trusted"), std::string::npos)
      << out;
  out = Shell(osu + " --print-cryptstore", &st);
  EXPECT_NE(out.find("0 entries"), std::string::npos) << out;
}

TEST_F(CertifierProcess, OsutilityInitTrustAgainstAPortNobodyListensOnIsUnreachable) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);  // bound, never listening: refuses, and stays ours for the test
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  uint16_t port = ntohs(addr.sin_port);
  int st = 0;
  std::string out = Shell(std::string(CF_OSUTILITY_BIN) + " --token-dir " + dir_ + "/tok-unreachable " +
                              "--sealed-key-filename " + dir_ + "/platform --init-trust --certifier-address "
                              "127.0.0.1:" + std::to_string(port) + " --policy-cert-file " + dir_ + "/policy_cert.der",
                          &st);
  close(fd);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << st << " " << out;
  EXPECT_NE(out.find("cannot reach the Certifier Service at 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << out;
}

TEST_F(CertifierProcess, CfAttestExportsTheSimulatedPlatformKeyForCfPolicy) {
  int st = 0;
  std::string out = Shell(std::string(CF_ATTEST_BIN) + " platform-key --platform-dir " + dir_ + "/platform --out " +
                              dir_ + "/exported_platform_key.bin",
                          &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(*ReadFile(dir_ + "/exported_platform_key.bin"), *ReadFile(dir_ + "/platform_key.bin"));
  out = Shell(std::string(CF_ATTEST_BIN) + " platform-key --platform-dir " + dir_ + "/no-such-platform --out " +
                  dir_ + "/x.bin",
              &st);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << st << " " << out;
}

TEST_F(CertifierProcess, EightConcurrentClientsTimesOneHundredRequestsAllAnswered) {
  constexpr int kClients = 8, kRequests = 100;
  CertificationRequest base = Request();
  std::vector<wire::trust_request_message> requests;
  for (int i = 0; i < kClients * kRequests; ++i) {
    auto m = BuildTrustRequest(*enclave_, base);
    ASSERT_TRUE(m.ok());
    requests.push_back(*m);
  }
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kRequests; ++i) {
        auto r = Exchange(requests[c * kRequests + i], base);
        bool good =
            r.ok() && r->status() == "succeeded" && CheckAdmissionCertificate(AsBytes(r->artifact()), base).ok();
        (good ? ok : bad)++;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace cf::attest
