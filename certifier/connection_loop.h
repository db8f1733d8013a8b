// Every client socket of the Certifier Service, on one poll() thread: accepts, reads each request frame without
// blocking, writes each reply, drops connections past their deadline or past the connection cap. It never runs the
// service: complete requests go out through a callback (the worker pool), replies come back through Reply(), so a
// worker never waits on a peer.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "attest/framing.h"
#include "common/bytes.h"
#include "common/status.h"

namespace cf::certifier {

struct LoopOptions {
  size_t max_message_bytes = attest::kDefaultMaxFrameBytes;
  int deadline_ms = 5000;        // to receive a whole request; the reply gets as long again
  size_t max_connections = 512;  // client sockets open at once (reading, at a worker, or writing)
};

// A whole request frame, or the reason a readable frame was refused (oversized), which the worker answers.
struct Request {
  Request(uint64_t connection, std::string peer, Result<Bytes> body)
      : connection(connection), peer(std::move(peer)), body(std::move(body)) {}
  uint64_t connection;
  std::string peer;
  Result<Bytes> body;
};

class ConnectionLoop {
 public:
  // Takes a request for the workers; false when there is no room, and the loop then closes that connection.
  using Deliver = std::function<bool(Request&&)>;

  // Takes ownership of the listening socket (non-blocking). max_connections must be at least 1.
  static Result<std::unique_ptr<ConnectionLoop>> Create(attest::Socket listener, LoopOptions options, Deliver deliver);
  ~ConnectionLoop();
  void Start();
  void Stop();  // prompt; closes every connection still open
  // From any thread: the reply body for a delivered request (empty: close without an answer).
  void Reply(uint64_t connection, Bytes response);

  size_t open_connections() const { return open_; }
  uint64_t dropped() const { return dropped_; }  // closed without a complete request, or reply not delivered

 private:
  enum class Phase { kReading, kAtWorker, kWriting };
  struct Connection {
    attest::Socket socket;
    std::string peer;
    Phase phase = Phase::kReading;
    attest::Clock::time_point opened, deadline;
    uint8_t header[attest::kFrameHeaderBytes] = {};
    size_t header_got = 0;
    bool have_length = false;
    Bytes body;  // sized from the header, filled up to body_got
    size_t body_got = 0;
    Bytes out;  // the framed reply, sent up to out_sent
    size_t out_sent = 0;
  };
  using Connections = std::map<uint64_t, Connection>;

  ConnectionLoop(attest::Socket listener, attest::Socket wake, LoopOptions options, Deliver deliver)
      : listener_(std::move(listener)), wake_(std::move(wake)), options_(options), deliver_(std::move(deliver)) {}
  void Run();
  void AcceptAll(attest::Clock::time_point now);
  bool EvictOldestReader(attest::Clock::time_point now, const std::string& why);
  // Each returns false when the connection is finished and must be erased.
  bool ReadSome(uint64_t id, Connection& c, attest::Clock::time_point now);
  bool WriteSome(Connection& c, attest::Clock::time_point now);
  bool HandOver(uint64_t id, Connection& c, Result<Bytes> body);
  void TakeReplies(attest::Clock::time_point now);
  attest::Clock::time_point ExpireAndNextDeadline(attest::Clock::time_point now);
  void Drop(const Connection& c, attest::Clock::time_point now, const std::string& why);

  attest::Socket listener_;
  attest::Socket wake_;  // an eventfd (any descriptor closes the same way): Reply() and Stop() wake the poll
  LoopOptions options_;
  Deliver deliver_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};
  std::atomic<uint64_t> dropped_{0};
  Connections connections_;  // the loop thread's alone
  uint64_t next_id_ = 1;     // never reused, so a late Reply() cannot reach a newer connection on the same fd
  attest::Clock::time_point accept_paused_until_{};
  std::mutex mu_;                                    // guards replies_ only
  std::vector<std::pair<uint64_t, Bytes>> replies_;  // from workers, taken by the loop
};

}  // namespace cf::certifier
