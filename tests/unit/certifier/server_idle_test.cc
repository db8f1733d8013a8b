// The server under a slow-loris attack on 127.0.0.1: hundreds of connections that send nothing or half a frame
// header must not delay a valid request, are closed at their deadline, and never take more descriptors than the
// connection cap and the process limit allow. Every wait here is bounded in time and in count.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "attest/framing.h"
#include "certifier/admission_cert.h"
#include "certifier/policy_text.h"
#include "certifier/server.h"
#include "certifier/service.h"
#include "common/random.h"
#include "sim_evidence.h"

namespace cf::certifier {
namespace {

using attest::Clock;
using std::chrono::milliseconds;

class ServerIdleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = NowSeconds();
    policy_key_ = *keys::GenerateKeyMessage("ecc-256", "policyKey");
    auto pk = keys::PKeyFromKeyMessage(policy_key_);
    platform_ = testing::MakeSimPlatform(Bytes(32, 0x5a), "ecc-256");
    enclave_key_ = *keys::GenerateKeyMessage("ecc-256", "authKey");
    auto seq = CompilePolicy(
        "trust-measurement " + HexEncode(platform_.measurement) + "\ntrust-platform-key platform.key\n", policy_key_,
        [this](const std::string&) -> Result<Bytes> { return ToBytes(platform_.platform_key.SerializeAsString()); },
        now_);
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    ServiceOptions o;
    o.policy_key = policy_key_;
    o.policy_cert_der = *MakePolicyCertificate(pk->get(), "idle-domain", now_ - 60, 3600);
    o.signed_policy = ToBytes(seq->SerializeAsString());
    auto s = Service::Create(o, now_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    service_ = std::move(s).value();
  }

  std::unique_ptr<Server> StartServer(ServerOptions options) {
    options.port = 0;
    auto server = Server::Create(service_.get(), options);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (!server.ok()) return nullptr;
    (*server)->Start();
    return std::move(server).value();
  }

  // n connections: even ones send nothing, odd ones two of the four header bytes.
  static std::vector<attest::Socket> OpenIdle(uint16_t port, int n) {
    std::vector<attest::Socket> idle;
    for (int i = 0; i < n; ++i) {
      auto s = attest::ConnectTcp("127.0.0.1", port, Clock::now() + milliseconds(2000));
      EXPECT_TRUE(s.ok()) << "idle connection " << i << ": " << s.status().ToString();
      if (!s.ok()) break;
      if (i % 2 == 1) {
        const uint8_t half_header[2] = {0x40, 0x00};
        EXPECT_EQ(send(s->fd(), half_header, 2, MSG_NOSIGNAL), 2);
      }
      idle.push_back(std::move(s).value());
    }
    return idle;
  }

  // One valid request over a fresh connection; the reply or why it did not come.
  Result<wire::trust_response_message> Certify(uint16_t port, milliseconds budget) {
    auto deadline = Clock::now() + budget;
    auto m = testing::MakeRequest(platform_, enclave_key_, now_, AsString(*RandomBytes(32)));
    CF_ASSIGN_OR_RETURN(attest::Socket s, attest::ConnectTcp("127.0.0.1", port, deadline));
    CF_RETURN_IF_ERROR(attest::WriteFrame(s.fd(), AsBytes(m.SerializeAsString()), deadline));
    CF_ASSIGN_OR_RETURN(Bytes reply, attest::ReadFrame(s.fd(), 1 << 20, deadline));
    wire::trust_response_message r;
    if (!r.ParseFromArray(reply.data(), static_cast<int>(reply.size()))) return Status(Code::kCorrupt, "bad reply");
    return r;
  }

  // True once the server has closed fd (EOF or reset), false if still open at the deadline.
  static bool ClosedByServer(int fd, Clock::time_point deadline) {
    for (int round = 0; round < 1000 && Clock::now() < deadline; ++round) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      uint8_t b;
      ssize_t r = recv(fd, &b, 1, MSG_DONTWAIT);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return true;
    }
    return false;
  }

  // Waits (bounded) until the server holds exactly n connections; the count it last saw.
  static size_t WaitForOpen(const Server& server, size_t n, milliseconds budget) {
    auto deadline = Clock::now() + budget;
    for (int round = 0; round < 1000 && server.open_connections() != n && Clock::now() < deadline; ++round) {
      usleep(10000);
    }
    return server.open_connections();
  }

  int64_t now_;
  wire::key_message policy_key_, enclave_key_;
  testing::SimPlatform platform_;
  std::unique_ptr<Service> service_;
};

TEST_F(ServerIdleTest, AnswersAValidRequestWithinASecondDespite300IdleConnections) {
  auto server = StartServer(ServerOptions{});  // the defaults: 2 workers, 5 s deadline
  ASSERT_NE(server, nullptr);
  auto idle = OpenIdle(server->port(), 300);
  ASSERT_EQ(idle.size(), 300u);
  usleep(200000);  // lets the server accept every idle connection first: the attack at full strength
  auto start = Clock::now();
  auto r = Certify(server->port(), milliseconds(30000));
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  std::cerr << "valid request with 300 idle connections answered in " << took.count() << " ms\n";
  ASSERT_TRUE(r.ok()) << r.status().ToString() << " after " << took.count() << " ms";
  EXPECT_EQ(r->status(), "succeeded") << r->reason();
  EXPECT_LT(took, milliseconds(1000));
}

TEST_F(ServerIdleTest, ClosesIdleConnectionsAtTheirDeadlineAndKeepsServing) {
  ServerOptions options;
  options.deadline_ms = 500;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto opened = Clock::now();
  auto idle = OpenIdle(server->port(), 300);
  ASSERT_EQ(idle.size(), 300u);
  ASSERT_TRUE(ClosedByServer(idle[0].fd(), opened + milliseconds(5000)));
  EXPECT_GE(Clock::now() - opened, milliseconds(450)) << "closed before its deadline";
  for (size_t i = 1; i < idle.size(); ++i) {
    EXPECT_TRUE(ClosedByServer(idle[i].fd(), opened + milliseconds(5000))) << "idle connection " << i;
  }
  EXPECT_EQ(WaitForOpen(*server, 0, milliseconds(2000)), 0u);
  EXPECT_EQ(server->dropped(), 300u);
  auto r = Certify(server->port(), milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status(), "succeeded") << r->reason();
}

TEST_F(ServerIdleTest, ServesARequestThatArrivesInPiecesWithinTheDeadline) {
  auto server = StartServer(ServerOptions{});
  ASSERT_NE(server, nullptr);
  auto m = testing::MakeRequest(platform_, enclave_key_, now_, AsString(*RandomBytes(32)));
  Bytes frame = *attest::EncodeFrame(AsBytes(m.SerializeAsString()));
  auto deadline = Clock::now() + milliseconds(5000);
  auto s = attest::ConnectTcp("127.0.0.1", server->port(), deadline);
  ASSERT_TRUE(s.ok());
  size_t cuts[] = {0, 1, 3, 7, frame.size() / 2, frame.size()};  // splits the header too
  for (size_t i = 0; i + 1 < std::size(cuts); ++i) {
    ASSERT_EQ(send(s->fd(), frame.data() + cuts[i], cuts[i + 1] - cuts[i], MSG_NOSIGNAL),
              static_cast<ssize_t>(cuts[i + 1] - cuts[i]));
    usleep(30000);
  }
  auto reply = attest::ReadFrame(s->fd(), 1 << 20, deadline);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  wire::trust_response_message r;
  ASSERT_TRUE(r.ParseFromArray(reply->data(), static_cast<int>(reply->size())));
  EXPECT_EQ(r.status(), "succeeded") << r.reason();
}

TEST_F(ServerIdleTest, AnswersAnOversizedFrameWithTheReasonAtOnce) {
  ServerOptions options;
  options.max_message_bytes = 1000;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto deadline = Clock::now() + milliseconds(5000);
  auto s = attest::ConnectTcp("127.0.0.1", server->port(), deadline);
  ASSERT_TRUE(s.ok());
  const uint8_t header[4] = {0x00, 0x10, 0x00, 0x00};  // 4096 bytes announced, none sent
  ASSERT_EQ(send(s->fd(), header, 4, MSG_NOSIGNAL), 4);
  auto reply = attest::ReadFrame(s->fd(), 1 << 20, deadline);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  wire::trust_response_message r;
  ASSERT_TRUE(r.ParseFromArray(reply->data(), static_cast<int>(reply->size())));
  EXPECT_EQ(r.status(), "failed");
  EXPECT_NE(r.reason().find("limit of 1000"), std::string::npos) << r.reason();
}

TEST_F(ServerIdleTest, EvictsTheOldestIdleConnectionsPastTheCap) {
  ServerOptions options;
  options.max_connections = 20;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto first = OpenIdle(server->port(), 20);
  ASSERT_EQ(WaitForOpen(*server, 20, milliseconds(2000)), 20u);
  auto later = OpenIdle(server->port(), 10);
  ASSERT_EQ(later.size(), 10u);
  EXPECT_EQ(WaitForOpen(*server, 20, milliseconds(2000)), 20u);
  auto start = Clock::now();
  auto r = Certify(server->port(), milliseconds(5000));
  auto took = Clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status(), "succeeded") << r->reason();
  EXPECT_LT(took, milliseconds(1000));
  EXPECT_LE(server->open_connections(), 20u);
  // The ten oldest made room for the ten later ones, and those made room for the valid request.
  for (size_t i = 0; i < 11; ++i) {
    EXPECT_TRUE(ClosedByServer(first[i].fd(), Clock::now() + milliseconds(2000))) << "oldest connection " << i;
  }
  EXPECT_FALSE(ClosedByServer(later.back().fd(), Clock::now() + milliseconds(100)));
}

size_t OpenDescriptors() {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != decltype(it)(); ++it) ++n;
  return n;
}

TEST_F(ServerIdleTest, KeepsTheConnectionCapUnderTheDescriptorLimit) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, OpenDescriptors() + 200);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  ServerOptions options;
  options.max_connections = 100000;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  EXPECT_LT(server->max_connections(), low.rlim_cur);
  // The attack comes from a child (its own descriptor table, its limit raised back): 400 idle connections, more
  // than this process may hold. Only async-signal-safe calls in the child: the parent has threads.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  uint16_t port = server->port();
  pid_t child = fork();
  if (child == 0) {
    setrlimit(RLIMIT_NOFILE, &saved);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 400; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) _exit(1);
      if (i % 2 == 1) (void)!write(fd, "\x40", 1);
    }
    (void)!write(ready[1], "r", 1);
    pause();
    _exit(0);
  }
  ASSERT_GT(child, 0);
  close(ready[1]);
  pollfd p{ready[0], POLLIN, 0};
  bool child_ready = poll(&p, 1, 10000) == 1;
  char c = 0;
  child_ready = child_ready && read(ready[0], &c, 1) == 1;
  close(ready[0]);
  size_t peak = 0;
  for (int i = 0; i < 20; ++i) {  // bounded: 1 s of sampling while the loop accepts and evicts
    peak = std::max(peak, server->open_connections());
    usleep(50000);
  }
  auto start = Clock::now();
  auto r = Certify(server->port(), milliseconds(5000));
  auto took = Clock::now() - start;
  size_t descriptors = OpenDescriptors();
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_TRUE(child_ready) << "the child could not open its 400 connections";
  EXPECT_EQ(peak, server->max_connections()) << "the cap was not reached, or exceeded";
  EXPECT_LT(descriptors, low.rlim_cur);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status(), "succeeded") << r->reason();
  EXPECT_LT(took, milliseconds(1000));
}

}  // namespace
}  // namespace cf::certifier
