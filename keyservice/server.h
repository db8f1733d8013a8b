// The key server: one thread accepts on a listening socket and queues connections (bounded); a fixed pool of
// workers each takes one connection through the TLS handshake, one request frame, the answer, and close, all
// within one deadline, so a stalled client holds one worker for at most that long. One log line per request
// (peer address and measurement, request, resource, outcome, time) and per refused handshake. Stop() is prompt
// for idle workers and waits at most one deadline for busy ones.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "attest/framing.h"
#include "cryptstore/store.h"
#include "keyservice/request_handler.h"
#include "keyservice/tls_context.h"

namespace cf::keysvc {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = kDefaultPort;  // 0: any free port (see Server::port())
  int workers = 8;
  size_t max_queued = 64;               // accepted connections waiting for a worker; more are closed at once
  size_t max_request_bytes = 1u << 20;  // a larger frame is refused with an answer, unread
  int deadline_ms = 5000;               // per connection: handshake, request, answer
  HandlerOptions handler;
};

class Server {
 public:
  // Binds and listens; threads start with Start(). `store` must outlive the server.
  static Result<std::unique_ptr<Server>> Create(store::Store* store, SslCtx tls, ServerOptions options);
  ~Server();
  void Start();
  void Stop();
  uint16_t port() const { return port_; }
  uint64_t succeeded() const { return succeeded_; }
  uint64_t failed() const { return failed_; }    // answered "failed" (counted, like succeeded, as the answer goes out)
  uint64_t refused() const { return refused_; }  // no answer: handshake refused, bad frame, stalled, queue full

 private:
  Server(store::Store* store, SslCtx tls, ServerOptions options, attest::Socket listener, attest::Socket wake,
         uint16_t port)
      : store_(store),
        tls_(std::move(tls)),
        options_(std::move(options)),
        listener_(std::move(listener)),
        wake_(std::move(wake)),
        port_(port) {}
  void AcceptLoop();
  void WorkerLoop();
  void Serve(attest::Socket socket, const std::string& peer);
  bool Enqueue(attest::Socket socket, std::string peer);

  store::Store* store_;
  SslCtx tls_;
  ServerOptions options_;
  attest::Socket listener_;
  attest::Socket wake_;  // an eventfd: Stop() wakes the accept loop's poll
  uint16_t port_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> succeeded_{0}, failed_{0}, refused_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<attest::Socket, std::string>> queue_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

}  // namespace cf::keysvc
