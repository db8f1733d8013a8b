// The TCP front of the Certifier Service: one acceptor thread, a bounded queue, N workers. Each connection gets
// one framed request, one framed reply and a hard deadline, so a slow or oversized client costs its own worker
// that long at most. Logs one line per request. Stop() is prompt and joins every thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "certifier/service.h"
#include "common/status.h"

namespace cf::certifier {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8123;  // 0: pick a free port (see Server::port())
  int workers = 2;
  size_t max_message_bytes = 1u << 20;
  int deadline_ms = 5000;
  size_t max_queued = 256;  // connections waiting for a worker; more are closed at once
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

 private:
  Server(Service* service, ServerOptions options, int listen_fd, uint16_t port)
      : service_(service), options_(std::move(options)), listen_fd_(listen_fd), port_(port) {}
  void AcceptLoop();
  void WorkerLoop();
  void Serve(int fd, const std::string& peer);

  Service* service_;
  ServerOptions options_;
  int listen_fd_;
  uint16_t port_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> admitted_{0}, denied_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<int, std::string>> queue_;  // accepted descriptors and peer names
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

}  // namespace cf::certifier
