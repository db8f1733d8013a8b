// A real cf-certifier on 127.0.0.1 (port chosen by the kernel), policy made with cf-policy, a simulated enclave
// (attest::OpenEnclave) certified with attest::Certify, the certificate checked by `openssl verify`; a denied
// measurement; hostile bytes on the socket; replay; 8 clients x 100 requests (command-line clients:
// cli_clients_test.cc). The daemon is stopped by SIGTERM.
#include "tests/e2e_certifier/certifier_process.h"

namespace cf::attest {
namespace {

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
