// The TCP front of the Certifier Service: a ConnectionLoop that owns every socket and assembles whole requests,
// a bounded queue, N workers that run the service on whole requests only. So an idle or slow client costs one
// connection slot until its deadline, never a worker. Logs one line per request. Stop() is prompt and joins all.
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

#include "certifier/connection_loop.h"
#include "certifier/service.h"
#include "common/status.h"

namespace cf::certifier {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8123;  // 0: pick a free port (see Server::port())
  int workers = 2;
  size_t max_message_bytes = 1u << 20;
  int deadline_ms = 5000;        // to receive a whole request, and again to send its reply
  size_t max_queued = 256;       // whole requests waiting for a worker; more are closed at once
  size_t max_connections = 512;  // open client sockets; lowered to fit RLIMIT_NOFILE (see max_connections())
};

class Server {
 public:
  // Binds and listens; threads start with Start().
  static Result<std::unique_ptr<Server>> Create(Service* service, const ServerOptions& options);
  ~Server();
  void Start();
  void Stop();
  uint16_t port() const { return port_; }
  uint64_t admitted() const { return admitted_; }
  uint64_t denied() const { return denied_; }
  // The connection cap in force: options.max_connections, or less when the descriptor limit is lower.
  size_t max_connections() const { return max_connections_; }
  size_t open_connections() const { return loop_->open_connections(); }
  uint64_t dropped() const { return loop_->dropped(); }  // idle past the deadline, evicted, refused

 private:
  Server(Service* service, ServerOptions options, uint16_t port, size_t max_connections)
      : service_(service), options_(std::move(options)), port_(port), max_connections_(max_connections) {}
  bool Enqueue(Request&& request);
  void WorkerLoop();
  void Serve(Request& request);

  Service* service_;
  ServerOptions options_;
  uint16_t port_;
  size_t max_connections_;
  std::unique_ptr<ConnectionLoop> loop_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> admitted_{0}, denied_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  std::vector<std::thread> workers_;
};

}  // namespace cf::certifier
