// Listener, queue and workers. Descriptors are owned by attest::Socket once a worker takes them; the queue holds
// raw descriptors only between accept and pop, and Stop() closes whatever is left in it.
#include "certifier/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "attest/framing.h"
#include "common/log.h"
#include "common/time_text.h"

namespace cf::certifier {
namespace {

std::string PeerName(const sockaddr_storage& addr) {
  char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
  getnameinfo(reinterpret_cast<const sockaddr*>(&addr), sizeof(addr), host, sizeof(host), port, sizeof(port),
              NI_NUMERICHOST | NI_NUMERICSERV);
  return std::string(host) + ":" + port;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(Service* service, const ServerOptions& options) {
  if (options.workers < 1 || options.workers > 256) {
    return Status(Code::kInvalidArgument, "workers must be 1..256, got " + std::to_string(options.workers));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(options.host.c_str(), std::to_string(options.port).c_str(), &hints, &found);
  if (rc != 0) return Status(Code::kInvalidArgument, "cannot resolve " + options.host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, freeaddrinfo);
  attest::Socket s(socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s.valid()) return Status(Code::kIoError, std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  std::string where = options.host + ":" + std::to_string(options.port);
  if (bind(s.fd(), found->ai_addr, found->ai_addrlen) != 0) {
    return Status(Code::kIoError, "cannot bind " + where + ": " + std::strerror(errno));
  }
  if (listen(s.fd(), 512) != 0) return Status(Code::kIoError, std::string("listen: ") + std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(s.fd(), reinterpret_cast<sockaddr*>(&bound), &len);
  uint16_t port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  // The listening descriptor now belongs to the Server (closed in its destructor).
  return std::unique_ptr<Server>(new Server(service, options, s.release(), port));
}

Server::~Server() {
  Stop();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void Server::Start() {
  acceptor_ = std::thread([this] { AcceptLoop(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  cv_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& w : workers_) w.join();
  workers_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [fd, peer] : queue_) close(fd);
  queue_.clear();
}

void Server::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;  // wake up to notice Stop()
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::unique_lock<std::mutex> lock(mu_);
    if (queue_.size() >= options_.max_queued) {
      lock.unlock();
      log::Warning("cf-certifier: " + PeerName(addr) + " refused: " + std::to_string(options_.max_queued) +
                   " connections already waiting");
      close(fd);
      continue;
    }
    queue_.emplace_back(fd, PeerName(addr));
    lock.unlock();
    cv_.notify_one();
  }
}

void Server::WorkerLoop() {
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto [fd, peer] = queue_.front();
    queue_.pop_front();
    lock.unlock();
    Serve(fd, peer);
  }
}

void Server::Serve(int fd, const std::string& peer) {
  attest::Socket conn(fd);
  auto deadline = attest::Clock::now() + std::chrono::milliseconds(options_.deadline_ms);
  auto request = attest::ReadFrame(conn.fd(), options_.max_message_bytes, deadline);
  Outcome outcome;
  if (!request.ok()) {
    // Answer a readable but refused frame (oversized) so the client learns why; a broken stream gets nothing.
    outcome.reason = request.status().ToString();
    if (request.status().code() == Code::kResourceExhausted) {
      wire::trust_response_message r;
      r.set_status("failed");
      r.set_reason(outcome.reason);
      outcome.response = ToBytes(r.SerializeAsString());
    }
  } else {
    outcome = service_->Handle(*request, NowSeconds());
  }
  // The decision is logged (line-buffered, so on disk) BEFORE the reply goes out: whoever has read the answer can
  // rely on the log already holding its line. Logging after the write raced readers of the log (a CI failure).
  (outcome.admitted ? admitted_ : denied_)++;
  log::Info("cf-certifier: " + peer + " " + (outcome.admitted ? "admitted" : "denied") + ": " + outcome.reason);
  if (!outcome.response.empty()) {
    Status sent = attest::WriteFrame(conn.fd(), outcome.response, deadline);
    if (!sent.ok()) log::Warning("cf-certifier: " + peer + " reply not delivered: " + sent.message());
  }
}

}  // namespace cf::certifier
