// The accept loop, the bounded queue and the workers. A worker owns one connection at a time from accept to
// close, under one deadline; the store is shared (its methods are thread-safe) and is the only place an entry is
// written.
#include "keyservice/server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/log.h"
#include "keyservice/listener.h"
#include "keyservice/tls_channel.h"

namespace cf::keysvc {
namespace {

constexpr int kPollCapMs = 1000;  // the accept loop re-checks `stopping_` at least this often

long long MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(store::Store* store, SslCtx tls, ServerOptions options) {
  if (options.workers < 1 || options.workers > 256) {
    return Status(Code::kInvalidArgument, "workers must be 1..256, got " + std::to_string(options.workers));
  }
  if (options.deadline_ms < 1 || options.max_queued < 1 || options.max_request_bytes < 1) {
    return Status(Code::kInvalidArgument, "deadline, queue and request size limits must be positive");
  }
  CF_ASSIGN_OR_RETURN(Listening listening, Listen(options.host, options.port));
  attest::Socket wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake.valid()) return Status(Code::kIoError, std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<Server>(new Server(store, std::move(tls), std::move(options), std::move(listening.socket),
                                            std::move(wake), listening.port));
}

Server::~Server() { Stop(); }

void Server::Start() {
  acceptor_ = std::thread([this] { AcceptLoop(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  uint64_t one = 1;
  (void)!write(wake_.fd(), &one, sizeof(one));
  cv_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& w : workers_) w.join();
  workers_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();  // closes connections no worker reached
}

void Server::AcceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{wake_.fd(), POLLIN, 0}, {listener_.fd(), POLLIN, 0}};
    if (poll(fds, 2, kPollCapMs) <= 0 || fds[1].revents == 0) continue;
    for (int i = 0; i < 64 && !stopping_; ++i) {  // bounded, then poll again
      sockaddr_storage address{};
      socklen_t length = sizeof(address);
      int fd = accept4(listener_.fd(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
          log::Warning(std::string("cf-key-server: accept paused: ") + std::strerror(errno));
          usleep(100000);
        }
        break;  // EAGAIN: nothing more waiting
      }
      Enqueue(attest::Socket(fd), PeerName(address, length));
    }
  }
}

bool Server::Enqueue(attest::Socket socket, std::string peer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() < options_.max_queued) {
      queue_.emplace_back(std::move(socket), std::move(peer));
      cv_.notify_one();
      return true;
    }
  }
  ++refused_;
  log::Warning("cf-key-server: " + peer + " refused: " + std::to_string(options_.max_queued) +
               " connections already wait for a worker");
  return false;  // the socket closes here
}

void Server::WorkerLoop() {
  for (;;) {
    std::pair<attest::Socket, std::string> next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    Serve(std::move(next.first), next.second);
  }
}

void Server::Serve(attest::Socket socket, const std::string& peer) {
  auto start = Clock::now();
  auto deadline = start + std::chrono::milliseconds(options_.deadline_ms);
  auto refuse = [&](const std::string& why) {
    ++refused_;
    log::Warning("cf-key-server: " + peer + " refused: " + why + " (" + std::to_string(MillisSince(start)) + " ms)");
  };
  auto channel = TlsChannel::Accept(tls_.get(), std::move(socket), deadline);
  if (!channel.ok()) return refuse("handshake: " + channel.status().message());
  auto identity = channel->Peer();
  if (!identity.ok()) return refuse(identity.status().message());
  std::string who = peer + " measurement " + (identity->measurement.empty() ? "?" : identity->measurement);
  auto request = channel->ReadFrame(options_.max_request_bytes, deadline);
  HandledRequest handled;
  if (!request.ok()) {
    if (request.status().code() != Code::kResourceExhausted) return refuse(who + ": " + request.status().message());
    // An oversized request is answered, unread: the client learns the limit rather than a reset.
    handled = RefuseUnread(request.status());
  } else {
    handled = HandleRequest(*request, *store_, options_.handler);
  }
  (handled.succeeded ? succeeded_ : failed_)++;
  // Logged before the answer is sent, so a client that has its answer finds its line in the log.
  log::Info("cf-key-server: " + who + " " + handled.request_type + " '" + handled.resource +
            "': " + Printable(handled.outcome, 400) + " (" + std::to_string(MillisSince(start)) + " ms)");
  Status sent = channel->WriteFrame(handled.response, deadline);
  if (!sent.ok()) log::Warning("cf-key-server: " + who + ": answer not delivered: " + sent.message());
  channel->Shutdown(deadline);
}

}  // namespace cf::keysvc
