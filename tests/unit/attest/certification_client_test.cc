// The certification client's error mapping against small scripted servers on 127.0.0.1: no service ->
// UNREACHABLE, a silent service -> UNREACHABLE at the deadline, "failed" -> POLICY_DENIED with the service's
// reason, garbage or a certificate from another key -> CORRUPT. Uses the simulated enclave for real evidence.
#include "attest/certification_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <thread>

#include "attest/framing.h"
#include "proto/key_codec.h"

namespace cf::attest {
namespace {

// Accepts one connection, reads one frame and lets `answer` reply; the port is chosen by the kernel.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<void(int fd)> answer) {
    Socket s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(s.fd(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(s.fd(), 1), 0);
    socklen_t len = sizeof(a);
    getsockname(s.fd(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listener_ = std::move(s);
    thread_ = std::thread([this, answer] {
      pollfd p{listener_.fd(), POLLIN, 0};
      if (poll(&p, 1, 5000) != 1) return;  // the client never came: do not hang the test
      Socket c(accept(listener_.fd(), nullptr, nullptr));
      if (!c.valid()) return;
      auto req = ReadFrame(c.fd(), 1 << 20, Clock::now() + std::chrono::seconds(5));
      if (req.ok()) answer(c.fd());
    });
  }
  ~OneShotServer() { thread_.join(); }
  uint16_t port() const { return port_; }

 private:
  Socket listener_;
  uint16_t port_ = 0;
  std::thread thread_;
};

class CertificationClient : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cf-client-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    EnclaveOptions o;
    o.directory = dir_;
    auto e = OpenEnclave(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    enclave_ = std::move(e).value();
    request_.auth_key = *keys::GenerateKeyMessage("ecc-256", "authKey");
    request_.deadline = std::chrono::milliseconds(500);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  static void Reply(int fd, const wire::trust_response_message& r) {
    ASSERT_TRUE(WriteFrame(fd, AsBytes(r.SerializeAsString()), Clock::now() + std::chrono::seconds(2)).ok());
  }

  std::string dir_;
  std::unique_ptr<Enclave> enclave_;
  CertificationRequest request_;
};

TEST_F(CertificationClient, BuildsTheFrameworksRequestShape) {
  auto m = BuildTrustRequest(*enclave_, request_);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->purpose(), "authentication");
  EXPECT_EQ(m->requesting_enclave_tag(), "requesting-enclave");
  EXPECT_EQ(m->providing_enclave_tag(), "providing-enclave");
  EXPECT_EQ(m->submitted_evidence_type(), "vse-attestation-package");
  EXPECT_EQ(m->support().prover_type(), "vse-verifier");
  ASSERT_EQ(m->support().fact_assertion_size(), 2);
  EXPECT_EQ(m->support().fact_assertion(0).evidence_type(), "signed-claim");
  EXPECT_EQ(m->support().fact_assertion(1).evidence_type(), "signed-vse-attestation-report");
  EXPECT_EQ(m->nonce().size(), 32u);
}

TEST_F(CertificationClient, NoServiceIsUnreachable) {
  uint16_t port = 0;
  {  // a port the kernel just handed out and nobody listens on
    Socket s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(s.fd(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t len = sizeof(a);
    getsockname(s.fd(), reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  request_.port = port;
  auto got = Certify(*enclave_, request_);
  EXPECT_EQ(got.status().code(), Code::kUnreachable) << got.status().ToString();
}

TEST_F(CertificationClient, SilentServiceIsUnreachableAtTheDeadline) {
  OneShotServer server([](int) { usleep(800000); });
  request_.port = server.port();
  auto start = Clock::now();
  EXPECT_EQ(Certify(*enclave_, request_).status().code(), Code::kUnreachable);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(790));
}

TEST_F(CertificationClient, FailedIsPolicyDeniedWithTheServicesReason) {
  OneShotServer server([](int fd) {
    wire::trust_response_message r;
    r.set_status("failed");
    r.set_reason("POLICY_DENIED: measurement 42 is not trusted by the policy");
    Reply(fd, r);
  });
  request_.port = server.port();
  auto got = Certify(*enclave_, request_);
  EXPECT_EQ(got.status().code(), Code::kPolicyDenied);
  EXPECT_NE(got.status().message().find("measurement 42"), std::string::npos) << got.status().message();
}

TEST_F(CertificationClient, GarbageAnswerIsCorrupt) {
  OneShotServer server([](int fd) {
    Bytes junk = {0xff, 0xff, 0xff, 0xff, 0x07};
    ASSERT_TRUE(WriteFrame(fd, junk, Clock::now() + std::chrono::seconds(2)).ok());
  });
  request_.port = server.port();
  EXPECT_EQ(Certify(*enclave_, request_).status().code(), Code::kCorrupt);
}

TEST_F(CertificationClient, CertificateNotFromThePolicyKeyIsCorrupt) {
  // The "service" answers with a self-signed certificate of some other key; our policy certificate is another.
  ossl::PKey other(EVP_EC_gen("prime256v1"));
  ossl::X509Ptr cert(X509_new());
  X509_set_pubkey(cert.get(), other.get());
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_sign(cert.get(), other.get(), EVP_sha256());
  unsigned char* der = nullptr;
  int len = i2d_X509(cert.get(), &der);
  std::string artifact(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  ossl::PKey policy(EVP_EC_gen("prime256v1"));
  ossl::X509Ptr policy_cert(X509_new());
  X509_set_pubkey(policy_cert.get(), policy.get());
  X509_gmtime_adj(X509_getm_notBefore(policy_cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(policy_cert.get()), 3600);
  X509_sign(policy_cert.get(), policy.get(), EVP_sha256());
  der = nullptr;
  len = i2d_X509(policy_cert.get(), &der);
  request_.policy_cert_der.assign(der, der + len);
  OPENSSL_free(der);
  request_.send_policy_key = false;
  OneShotServer server([artifact](int fd) {
    wire::trust_response_message r;
    r.set_status("succeeded");
    r.set_artifact(artifact);
    Reply(fd, r);
  });
  request_.port = server.port();
  auto got = Certify(*enclave_, request_);
  EXPECT_EQ(got.status().code(), Code::kCorrupt) << got.status().ToString();
}

}  // namespace
}  // namespace cf::attest
