// The poll() loop: one thread owns every client descriptor and the map that holds them, so nothing here is
// locked except the reply inbox. A connection costs the loop a few hundred bytes until its request is whole;
// workers only ever see whole requests. Every drop logs the peer, how long it was open and how much it sent.
#include "certifier/connection_loop.h"

#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace cf::certifier {
namespace {

using attest::Clock;
using std::chrono::milliseconds;

constexpr int kMaxAcceptsPerWake = 64;              // then serve the open connections before accepting more
constexpr int kMaxReadsPerWake = 16;                // per connection, so one fast sender cannot starve the others
constexpr int kPollCapMs = 1000;                    // the loop re-checks deadlines at least this often
constexpr auto kAcceptBackoff = milliseconds(100);  // when the process is out of descriptors

std::string PeerName(const sockaddr_storage& addr, socklen_t len) {
  char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
  getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof(host), port, sizeof(port),
              NI_NUMERICHOST | NI_NUMERICSERV);
  return std::string(host) + ":" + port;
}

long long MillisSince(Clock::time_point then, Clock::time_point now) {
  return std::chrono::duration_cast<milliseconds>(now - then).count();
}

}  // namespace

Result<std::unique_ptr<ConnectionLoop>> ConnectionLoop::Create(attest::Socket listener, LoopOptions options,
                                                               Deliver deliver) {
  if (options.max_connections < 1) return Status(Code::kInvalidArgument, "max_connections must be at least 1");
  attest::Socket wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake.valid()) return Status(Code::kIoError, std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<ConnectionLoop>(
      new ConnectionLoop(std::move(listener), std::move(wake), options, std::move(deliver)));
}

ConnectionLoop::~ConnectionLoop() { Stop(); }

void ConnectionLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ConnectionLoop::Stop() {
  if (stopping_.exchange(true)) return;
  uint64_t one = 1;
  (void)!write(wake_.fd(), &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  connections_.clear();  // closes every socket
  open_ = 0;
}

void ConnectionLoop::Reply(uint64_t connection, Bytes response) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    replies_.emplace_back(connection, std::move(response));
  }
  uint64_t one = 1;
  (void)!write(wake_.fd(), &one, sizeof(one));  // a full counter already means "wake up"
}

void ConnectionLoop::Run() {
  std::vector<pollfd> fds;
  std::vector<uint64_t> ids;  // ids[i] owns fds[i + 2]
  while (!stopping_) {
    auto now = Clock::now();
    TakeReplies(now);
    Clock::time_point next = ExpireAndNextDeadline(now);
    fds.assign({{wake_.fd(), POLLIN, 0}, {-1, 0, 0}});  // a negative fd is skipped by poll()
    if (now >= accept_paused_until_) {
      fds[1] = {listener_.fd(), POLLIN, 0};
    } else {
      next = std::min(next, accept_paused_until_);
    }
    ids.clear();
    for (auto& [id, c] : connections_) {
      if (c.phase == Phase::kAtWorker) continue;
      fds.push_back({c.socket.fd(), static_cast<short>(c.phase == Phase::kReading ? POLLIN : POLLOUT), 0});
      ids.push_back(id);
    }
    long long wait = std::clamp<long long>(MillisSince(now, next) + 1, 0, kPollCapMs);
    if (poll(fds.data(), fds.size(), static_cast<int>(wait)) <= 0) continue;  // timeout or EINTR: re-check
    now = Clock::now();
    if (fds[0].revents != 0) {
      uint64_t count;
      (void)!read(wake_.fd(), &count, sizeof(count));
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      if (fds[i + 2].revents == 0) continue;
      auto it = connections_.find(ids[i]);
      if (it == connections_.end()) continue;
      bool keep =
          it->second.phase == Phase::kReading ? ReadSome(it->first, it->second, now) : WriteSome(it->second, now);
      if (!keep) connections_.erase(it);
    }
    if (fds[1].revents != 0) AcceptAll(now);  // after the reads, so an eviction cannot pull a polled entry
    open_ = connections_.size();
  }
}

void ConnectionLoop::AcceptAll(Clock::time_point now) {
  for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    int fd = accept4(listener_.fd(), reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors despite the cap (other code in the process holds some): free the oldest idle one,
        // or stop accepting for a moment rather than spin on a listener that stays readable.
        if (EvictOldestReader(now, std::string("out of descriptors: ") + std::strerror(errno))) continue;
        log::Warning(std::string("cf-certifier: accept paused: ") + std::strerror(errno) + " and " +
                     std::to_string(connections_.size()) + " connections busy");
        accept_paused_until_ = now + kAcceptBackoff;
      }
      return;  // EAGAIN: nothing more waiting
    }
    attest::Socket socket(fd);
    std::string peer = PeerName(addr, len);
    if (connections_.size() >= options_.max_connections &&
        !EvictOldestReader(now, "cap of " + std::to_string(options_.max_connections) + " connections reached")) {
      // Every slot holds a whole request (at a worker or being answered): those are not idle, keep them.
      ++dropped_;
      log::Warning("cf-certifier: " + peer + " refused: " + std::to_string(connections_.size()) +
                   " connections open, none idle");
      continue;
    }
    Connection c;
    c.socket = std::move(socket);
    c.peer = std::move(peer);
    c.opened = now;
    c.deadline = now + milliseconds(options_.deadline_ms);
    connections_.emplace(next_id_++, std::move(c));
  }
}

bool ConnectionLoop::EvictOldestReader(Clock::time_point now, const std::string& why) {
  // The oldest reader has had the longest to send its request: a client sending promptly is never the one dropped.
  auto oldest = connections_.end();
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->second.phase != Phase::kReading) continue;
    if (oldest == connections_.end() || it->second.opened < oldest->second.opened) oldest = it;
  }
  if (oldest == connections_.end()) return false;
  Drop(oldest->second, now, "oldest idle connection, " + why);
  connections_.erase(oldest);
  return true;
}

bool ConnectionLoop::ReadSome(uint64_t id, Connection& c, Clock::time_point now) {
  for (int i = 0; i < kMaxReadsPerWake; ++i) {
    uint8_t* into = c.have_length ? c.body.data() + c.body_got : c.header + c.header_got;
    size_t want = c.have_length ? c.body.size() - c.body_got : attest::kFrameHeaderBytes - c.header_got;
    ssize_t r = recv(c.socket.fd(), into, want, MSG_DONTWAIT);  // want > 0: a complete frame was handed over
    if (r == 0) {
      Drop(c, now, "closed by the peer before a whole request");
      return false;
    }
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
      Drop(c, now, std::string("recv failed: ") + std::strerror(errno));
      return false;
    }
    (c.have_length ? c.body_got : c.header_got) += static_cast<size_t>(r);
    if (!c.have_length && c.header_got == attest::kFrameHeaderBytes) {
      auto length = attest::ParseFrameHeader(c.header, options_.max_message_bytes);
      if (!length.ok()) return HandOver(id, c, length.status());  // the worker says why, as for any refusal
      c.body.resize(*length);
      c.have_length = true;
    }
    if (c.have_length && c.body_got == c.body.size()) return HandOver(id, c, std::move(c.body));
  }
  return true;
}

bool ConnectionLoop::HandOver(uint64_t id, Connection& c, Result<Bytes> body) {
  c.phase = Phase::kAtWorker;
  c.deadline = Clock::time_point::max();  // the service is bounded work; the reply gets its own deadline
  if (deliver_(Request(id, c.peer, std::move(body)))) return true;
  ++dropped_;
  log::Warning("cf-certifier: " + c.peer + " refused: the worker queue is full");
  return false;
}

void ConnectionLoop::TakeReplies(Clock::time_point now) {
  std::vector<std::pair<uint64_t, Bytes>> replies;
  {
    std::lock_guard<std::mutex> lock(mu_);
    replies.swap(replies_);
  }
  for (auto& [id, response] : replies) {
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    if (response.empty()) {  // the worker logged why there is no answer
      connections_.erase(it);
      continue;
    }
    auto frame = attest::EncodeFrame(response);
    if (!frame.ok()) {  // a reply over 16 MiB: a bug upstream, but the peer must not hang until the deadline
      log::Error("cf-certifier: " + it->second.peer + " reply not sent: " + frame.status().ToString());
      connections_.erase(it);
      continue;
    }
    Connection& c = it->second;
    c.phase = Phase::kWriting;
    c.deadline = now + milliseconds(options_.deadline_ms);
    c.out = std::move(frame).value();
    if (!WriteSome(c, now)) connections_.erase(it);
  }
  open_ = connections_.size();
}

bool ConnectionLoop::WriteSome(Connection& c, Clock::time_point now) {
  while (c.out_sent < c.out.size()) {
    ssize_t r = send(c.socket.fd(), c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r > 0) {
      c.out_sent += static_cast<size_t>(r);
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return true;
    } else {
      Drop(c, now, std::string("reply not delivered: ") + (r < 0 ? std::strerror(errno) : "send returned 0"));
      return false;
    }
  }
  return false;  // all sent: one request per connection, as the framework's clients expect
}

Clock::time_point ConnectionLoop::ExpireAndNextDeadline(Clock::time_point now) {
  Clock::time_point next = Clock::time_point::max();
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection& c = it->second;
    if (c.deadline > now) {
      next = std::min(next, c.deadline);
      ++it;
      continue;
    }
    Drop(c, now,
         (c.phase == Phase::kWriting ? "reply not taken within the " : "no whole request within the ") +
             std::to_string(options_.deadline_ms) + " ms deadline");
    it = connections_.erase(it);
  }
  open_ = connections_.size();
  return next;
}

void ConnectionLoop::Drop(const Connection& c, Clock::time_point now, const std::string& why) {
  ++dropped_;
  std::string sent = c.phase == Phase::kWriting
                         ? std::to_string(c.out_sent) + " of " + std::to_string(c.out.size()) + " reply bytes sent"
                         : std::to_string(c.header_got + c.body_got) + " bytes received";
  // A reply lost after the decision was logged deserves a warning; idle and broken clients are routine.
  log::Write(c.phase == Phase::kWriting ? log::Level::kWarning : log::Level::kInfo,
             "cf-certifier: " + c.peer + " dropped: " + why + "; open " + std::to_string(MillisSince(c.opened, now)) +
                 " ms, " + sent);
}

}  // namespace cf::certifier
