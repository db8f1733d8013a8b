// Several Certifier Service addresses: a dead replica costs one attempt and the live one answers; with every one
// dead the failure is UNREACHABLE, names each address tried, and comes within the deadline.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "attest/certification_client.h"
#include "attest/framing.h"
#include "proto/key_codec.h"

namespace cf::attest {
namespace {

// A port the kernel just handed out and nobody listens on: connections to it are refused at once.
uint16_t DeadPort() {
  Socket s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(s.fd(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(s.fd(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// Answers every request it gets with "failed" and a reason (an answer is all the failover needs), until stopped.
class RefusingServer {
 public:
  RefusingServer() {
    Socket s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(s.fd(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(s.fd(), 8), 0);
    socklen_t len = sizeof(a);
    getsockname(s.fd(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listener_ = std::move(s);
    thread_ = std::thread([this] {
      for (int i = 0; i < 100 && !stop_; ++i) {  // bounded: 100 polls of 50 ms
        pollfd p{listener_.fd(), POLLIN, 0};
        if (poll(&p, 1, 50) != 1) continue;
        Socket c(accept(listener_.fd(), nullptr, nullptr));
        if (!c.valid()) continue;
        auto deadline = Clock::now() + std::chrono::seconds(2);
        if (!ReadFrame(c.fd(), 1 << 20, deadline).ok()) continue;
        wire::trust_response_message r;
        r.set_status("failed");
        r.set_reason("POLICY_DENIED: replica says no");
        (void)WriteFrame(c.fd(), AsBytes(r.SerializeAsString()), deadline);
      }
    });
  }
  ~RefusingServer() {
    stop_ = true;
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  Socket listener_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class CertificationFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cf-failover-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    EnclaveOptions o;
    o.directory = dir_;
    auto e = OpenEnclave(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    enclave_ = std::move(e).value();
    request_.auth_key = *keys::GenerateKeyMessage("ecc-256", "authKey");
    request_.deadline = std::chrono::milliseconds(1500);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string dir_;
  std::unique_ptr<Enclave> enclave_;
  CertificationRequest request_;
};

TEST_F(CertificationFailover, ADeadReplicaCostsOneAttemptAndTheLiveOneAnswers) {
  RefusingServer live;
  const CertifierAddress dead{"127.0.0.1", DeadPort()};
  const CertifierAddress alive{"127.0.0.1", live.port()};
  request_.addresses = {dead, alive};
  bool dead_tried_first = false;
  for (int i = 0; i < 8; ++i) {  // the order is random: both orders are seen in a few runs
    CertifyTrace trace;
    auto got = Certify(*enclave_, request_, &trace);
    EXPECT_EQ(got.status().code(), Code::kPolicyDenied) << got.status().ToString();
    EXPECT_NE(got.status().message().find("replica says no"), std::string::npos) << got.status().message();
    EXPECT_EQ(trace.answered_by, alive.Text());
    EXPECT_GE(trace.attempts, 1);
    EXPECT_LE(trace.attempts, 2);
    dead_tried_first = dead_tried_first || trace.attempts == 2;
  }
  EXPECT_TRUE(dead_tried_first) << "8 certifications never tried the dead replica first: the order is not random";
}

TEST_F(CertificationFailover, EveryAddressDeadIsUnreachableNamingEachWithinTheDeadline) {
  const CertifierAddress a{"127.0.0.1", DeadPort()}, b{"127.0.0.1", DeadPort()};
  request_.addresses = {a, b};
  CertifyTrace trace;
  const auto start = Clock::now();
  auto got = Certify(*enclave_, request_, &trace);
  EXPECT_LT(Clock::now() - start, request_.deadline + std::chrono::milliseconds(200));
  ASSERT_EQ(got.status().code(), Code::kUnreachable) << got.status().ToString();
  EXPECT_EQ(trace.failed_at, CertifyStage::kConnection);
  EXPECT_EQ(trace.attempts, 2);  // each once; both refused, so no second round
  EXPECT_NE(got.status().message().find(a.Text()), std::string::npos) << got.status().message();
  EXPECT_NE(got.status().message().find(b.Text()), std::string::npos) << got.status().message();
  EXPECT_TRUE(trace.answered_by.empty());
}

TEST_F(CertificationFailover, ASilentReplicaLeavesTimeForTheNext) {
  // Accepts (the kernel's backlog) but never answers: the first attempt must not use the whole deadline.
  Socket silent(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(silent.fd(), 8), 0);
  socklen_t len = sizeof(addr);
  getsockname(silent.fd(), reinterpret_cast<sockaddr*>(&addr), &len);
  RefusingServer live;
  request_.addresses = {{"127.0.0.1", ntohs(addr.sin_port)}, {"127.0.0.1", live.port()}};
  request_.max_attempts = 2;
  CertifyTrace trace;
  const auto start = Clock::now();
  auto got = Certify(*enclave_, request_, &trace);
  EXPECT_LT(Clock::now() - start, request_.deadline + std::chrono::milliseconds(200));
  // Connected to the silent one, the exchange may use the time left: then it is UNREACHABLE, never a hang.
  if (trace.attempts == 1 && trace.answered_by.empty()) {
    EXPECT_EQ(got.status().code(), Code::kUnreachable) << got.status().ToString();
  } else {
    EXPECT_EQ(got.status().code(), Code::kPolicyDenied) << got.status().ToString();
  }
}

}  // namespace
}  // namespace cf::attest
