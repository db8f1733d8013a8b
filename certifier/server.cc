// Listener setup, the worker queue and the workers. Sockets belong to the ConnectionLoop; a worker holds only a
// Request (connection id and bytes), so nothing a peer does can block it.
#include "certifier/server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "attest/framing.h"
#include "common/log.h"
#include "common/time_text.h"

namespace cf::certifier {
namespace {

// Descriptors kept back from the connection cap for the listener, the loop's eventfd, the log file, stdio and
// whatever the libraries open; past the cap the loop evicts idle connections instead of failing accept().
constexpr rlim_t kReservedDescriptors = 64;

size_t CapToDescriptorLimit(size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return wanted;
  rlim_t usable = limit.rlim_cur > kReservedDescriptors + 1 ? limit.rlim_cur - kReservedDescriptors : 1;
  return std::min<size_t>(wanted, usable);
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(Service* service, const ServerOptions& options) {
  if (options.workers < 1 || options.workers > 256) {
    return Status(Code::kInvalidArgument, "workers must be 1..256, got " + std::to_string(options.workers));
  }
  if (options.max_connections < 1) return Status(Code::kInvalidArgument, "max_connections must be at least 1");
  if (options.deadline_ms < 1) {
    return Status(Code::kInvalidArgument, "deadline_ms must be positive, got " + std::to_string(options.deadline_ms));
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
  size_t cap = CapToDescriptorLimit(options.max_connections);
  std::unique_ptr<Server> server(new Server(service, options, port, cap));
  LoopOptions loop_options{
      .max_message_bytes = options.max_message_bytes, .deadline_ms = options.deadline_ms, .max_connections = cap};
  Server* raw = server.get();
  CF_ASSIGN_OR_RETURN(server->loop_, ConnectionLoop::Create(std::move(s), loop_options,
                                                            [raw](Request&& r) { return raw->Enqueue(std::move(r)); }));
  return server;
}

Server::~Server() { Stop(); }

void Server::Start() {
  loop_->Start();
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  // No new requests; closes every connection, including those whose request is still queued. (loop_ is null
  // only when Create failed after constructing the Server.)
  if (loop_) loop_->Stop();
  cv_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
}

bool Server::Enqueue(Request&& request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queued) return false;
    queue_.push_back(std::move(request));
  }
  cv_.notify_one();
  return true;
}

void Server::WorkerLoop() {
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Request request = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Serve(request);
  }
}

void Server::Serve(Request& request) {
  Outcome outcome;
  if (!request.body.ok()) {
    // A readable but refused frame (oversized): answer it so the client learns why.
    outcome.reason = request.body.status().ToString();
    if (request.body.status().code() == Code::kResourceExhausted) {
      wire::trust_response_message r;
      r.set_status("failed");
      r.set_reason(outcome.reason);
      outcome.response = ToBytes(r.SerializeAsString());
    }
  } else {
    outcome = service_->Handle(*request.body, NowSeconds());
  }
  // The decision is logged (line-buffered, so on disk) BEFORE the reply goes out: whoever has read the answer can
  // rely on the log already holding its line. Logging after the write raced readers of the log (a CI failure).
  (outcome.admitted ? admitted_ : denied_)++;
  log::Info("cf-certifier: " + request.peer + " " + (outcome.admitted ? "admitted" : "denied") + ": " + outcome.reason);
  loop_->Reply(request.connection, std::move(outcome.response));
}

}  // namespace cf::certifier
