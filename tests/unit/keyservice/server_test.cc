// The key server in process on 127.0.0.1 with in-memory domains: a retrieve over TLS; a foreign, expired or missing
// client certificate refused at the handshake; oversized, truncated and garbage frames and a stalled client each
// cost one connection while the server keeps serving; 8 clients x 50 requests at once; a prompt Stop().
#include "keyservice/server.h"

#include <fcntl.h>
#include <openssl/err.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "common/ossl_context.h"
#include "domain_fixture.h"
#include "keyservice/client.h"
#include "keyservice/tls_channel.h"
#include "store_fixture.h"

namespace cf::keysvc::testing {
namespace {

using store::testing::StoreTest;
const std::string kServerMeasurement(64, 'a'), kClientMeasurement(64, 'b');

// A blocking TLS connection for bytes a well-behaved client never sends (a frame cut short).
struct RawTls {
  attest::Socket socket;
  Ssl ssl;
};

Result<RawTls> RawConnect(SSL_CTX* ctx, uint16_t port) {
  RawTls raw;
  CF_ASSIGN_OR_RETURN(raw.socket, attest::ConnectTcp("127.0.0.1", port, Clock::now() + std::chrono::seconds(5)));
  fcntl(raw.socket.fd(), F_SETFL, fcntl(raw.socket.fd(), F_GETFL) & ~O_NONBLOCK);
  raw.ssl.reset(SSL_new(ctx));
  SSL_set_fd(raw.ssl.get(), raw.socket.fd());
  if (SSL_connect(raw.ssl.get()) != 1) return Status(Code::kIoError, "test handshake failed");
  return raw;
}

class KeyServerTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = OpenOrDie();
    store::NewEntry e = store::testing::MakeEntry("shared", "the shared value");
    e.exportable = true;
    ASSERT_TRUE(store_->Put(e).ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    StoreTest::TearDown();
  }
  // Default options with some fields changed (designated initializers would leave the rest unnamed, which
  // -Wmissing-field-initializers reports).
  template <typename Change>
  static ServerOptions Options(Change change) {
    ServerOptions o;
    change(o);
    return o;
  }

  void Serve(ServerOptions options = {}) {
    options.port = 0;
    auto tls = MakeTlsContext(Side::kServer, domain_.AdmitNow(kServerMeasurement));
    ASSERT_TRUE(tls.ok()) << tls.status().ToString();
    auto server = Server::Create(store_.get(), std::move(*tls), std::move(options));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    server_->Start();
  }
  Result<wire::cryptstore_entry> Retrieve(const Credentials& as, int deadline_ms = 5000) {
    auto tls = MakeTlsContext(Side::kClient, as);
    if (!tls.ok()) return tls.status();
    Client client(tls->get(),
                  {.server = {"127.0.0.1", server_->port()}, .deadline = std::chrono::milliseconds(deadline_ms)});
    return client.Retrieve("shared", 0, "");
  }
  // A TLS channel as `as`, for frames a well-behaved client never sends.
  Result<TlsChannel> Channel(const Credentials& as, SslCtx* keep) {
    auto deadline = Clock::now() + std::chrono::seconds(5);
    CF_ASSIGN_OR_RETURN(*keep, MakeTlsContext(Side::kClient, as));
    CF_ASSIGN_OR_RETURN(attest::Socket socket, attest::ConnectTcp("127.0.0.1", server_->port(), deadline));
    return TlsChannel::Connect(keep->get(), std::move(socket), deadline);
  }
  // A server counts a connection after it is done with it, which the client may notice first: wait (bounded).
  static uint64_t Settled(const std::function<uint64_t()>& count, uint64_t expected) {
    for (int i = 0; i < 300 && count() < expected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return count();
  }
  uint64_t Succeeded(uint64_t expected) {
    return Settled([this] { return server_->succeeded(); }, expected);
  }
  uint64_t Refused(uint64_t expected) {
    return Settled([this] { return server_->refused(); }, expected);
  }
  void ExpectStillServing() {
    auto entry = Retrieve(domain_.AdmitNow(kClientMeasurement));
    ASSERT_TRUE(entry.ok()) << entry.status().ToString();
    EXPECT_EQ(entry->blob(), "the shared value");
  }

  TestDomain domain_{"domain-a"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Server> server_;
};

TEST_P(KeyServerTest, ReleasesAnExportableEntryToAPeerOfItsDomain) {
  Serve();
  ExpectStillServing();
  EXPECT_EQ(Succeeded(1), 1u);
}

TEST_P(KeyServerTest, RefusesAClientOfAnotherDomainAtTheHandshake) {
  Serve();
  TestDomain other("domain-b");
  // Mallory trusts domain-a's certificate (so he accepts the server) but holds a domain-b certificate.
  auto refused = Retrieve(other.Admit(kClientMeasurement, NowSeconds() - 60, 3600, &domain_.certificate()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("refused this token's admission certificate"), std::string::npos)
      << refused.status().message();
  ExpectStillServing();
  EXPECT_EQ(Refused(1), 1u);
}

TEST_P(KeyServerTest, RefusesAnExpiredClientCertificate) {
  Serve();
  auto refused = Retrieve(domain_.Admit(kClientMeasurement, NowSeconds() - 7200, 3600));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("certificate expired"), std::string::npos) << refused.status().message();
  ExpectStillServing();
}

TEST_P(KeyServerTest, RefusesAClientWithoutCertificate) {
  Serve();
  SslCtx bare(SSL_CTX_new_ex(ossl::LibCtx(), nullptr, TLS_client_method()));
  SSL_CTX_set_verify(bare.get(), SSL_VERIFY_NONE, nullptr);
  auto deadline = Clock::now() + std::chrono::seconds(5);
  auto socket = attest::ConnectTcp("127.0.0.1", server_->port(), deadline);
  ASSERT_TRUE(socket.ok());
  auto channel = TlsChannel::Connect(bare.get(), std::move(*socket), deadline);
  ASSERT_TRUE(channel.ok()) << "TLS 1.3: the client finishes first; the server refuses on its side";
  (void)channel->WriteFrame(AsBytes(std::string("x")), deadline);
  auto answer = channel->ReadFrame(1024, deadline);
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.status().message().find("certificate required"), std::string::npos) << answer.status().message();
  ExpectStillServing();
}

TEST_P(KeyServerTest, AnswersAnOversizedRequestUnreadAndGarbageWithAReason) {
  Serve(Options([](ServerOptions& o) { o.max_request_bytes = 1024; }));
  Credentials bob = domain_.AdmitNow(kClientMeasurement);
  for (const std::string& body : {std::string(4096, 'x'), std::string("\xff\xff\xff garbage")}) {
    SslCtx keep;
    auto channel = Channel(bob, &keep);
    ASSERT_TRUE(channel.ok()) << channel.status().ToString();
    auto deadline = Clock::now() + std::chrono::seconds(5);
    ASSERT_TRUE(channel->WriteFrame(AsBytes(body), deadline).ok());
    auto answer = channel->ReadFrame(1 << 20, deadline);
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    wire::key_service_message_response response;
    ASSERT_TRUE(response.ParseFromArray(answer->data(), static_cast<int>(answer->size())));
    EXPECT_EQ(response.status(), "failed");
    EXPECT_NE(response.data().find(body.size() > 1024 ? "RESOURCE_EXHAUSTED" : "not a key_service_message_request"),
              std::string::npos)
        << response.data();
  }
  ExpectStillServing();
}

TEST_P(KeyServerTest, ATruncatedFrameOrAStalledClientCostsOneConnection) {
  Serve(Options([](ServerOptions& o) {
    o.workers = 1;
    o.deadline_ms = 300;
  }));
  auto tls = MakeTlsContext(Side::kClient, domain_.AdmitNow(kClientMeasurement));
  ASSERT_TRUE(tls.ok());
  {
    auto raw = RawConnect(tls->get(), server_->port());
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    const uint8_t cut_short[] = {100, 0, 0, 0, 'o', 'n', 'l', 'y', ' ', 't', 'e', 'n', '.', '.'};  // 10 of 100
    ASSERT_EQ(SSL_write(raw->ssl.get(), cut_short, sizeof(cut_short)), static_cast<int>(sizeof(cut_short)));
    SSL_shutdown(raw->ssl.get());
  }
  auto deadline = Clock::now() + std::chrono::seconds(5);
  auto stalled = attest::ConnectTcp("127.0.0.1", server_->port(), deadline);  // connects, never speaks
  ASSERT_TRUE(stalled.ok());
  auto start = Clock::now();
  ExpectStillServing();  // waits for the single worker to give up on the stalled client
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_GE(Refused(2), 2u) << "the truncated frame and the stalled client";
}

TEST_P(KeyServerTest, ServesEightClientsOfFiftyRequestsAtOnce) {
  Serve(Options([](ServerOptions& o) { o.workers = 8; }));
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  auto start = Clock::now();
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      Credentials me = domain_.AdmitNow(std::string(63, 'c') + std::to_string(c));
      for (int i = 0; i < 50; ++i) ok += Retrieve(me, 30000).ok() ? 1 : 0;
    });
  }
  for (auto& t : clients) t.join();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_EQ(Succeeded(400), 400u);
  std::cout << "[ figures  ] 400 retrieves (8 clients x 50, a TLS handshake each) in " << ms << " ms\n";
}

TEST_P(KeyServerTest, StopsPromptlyWithAStalledClientConnected) {
  Serve(Options([](ServerOptions& o) { o.deadline_ms = 1000; }));
  auto stalled = attest::ConnectTcp("127.0.0.1", server_->port(), Clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(stalled.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2500));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, KeyServerTest, ::testing::Values(store::Backend::kSqlite),
                         store::testing::BackendName);

}  // namespace
}  // namespace cf::keysvc::testing
