// A real software TPM for a test: `swtpm socket --tpm2` on 127.0.0.1 (server port P, control port P+1) with its
// state in a fresh temp dir, started with --flags not-need-init,startup-clear and stopped by its PID. When swtpm is
// not installed the test fails saying so (scripts/install-deps.sh installs it): it never passes silently.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>

namespace cf::testing {

// Whether a TCP socket on 127.0.0.1:port can bind (free) or connect (someone answers).
inline bool LoopbackPort(uint16_t port, bool connect_to_it) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  auto* addr = reinterpret_cast<sockaddr*>(&a);
  bool ok = (connect_to_it ? connect(fd, addr, sizeof(a)) : bind(fd, addr, sizeof(a))) == 0;
  close(fd);
  return ok;
}
inline bool PortFree(uint16_t port) { return LoopbackPort(port, false); }
inline bool PortAnswers(uint16_t port) { return LoopbackPort(port, true); }

class Swtpm {
 public:
  // Starts swtpm; ok() says whether it runs, error() why not.
  Swtpm() {
    if (system("command -v swtpm >/dev/null 2>&1") != 0) {
      error_ = "swtpm is not installed: run scripts/install-deps.sh (Debian packages swtpm swtpm-tools)";
      return;
    }
    char tmpl[] = "/tmp/cf-swtpm-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    std::mt19937 rng(static_cast<unsigned>(getpid()) ^ static_cast<unsigned>(time(nullptr)));
    for (int attempt = 0; attempt < 8 && pid_ <= 0; ++attempt) {
      uint16_t port = static_cast<uint16_t>(20000 + (rng() % 20000) * 2);
      if (!PortFree(port) || !PortFree(static_cast<uint16_t>(port + 1))) continue;
      pid_t pid = fork();
      if (pid == 0) {
        std::string server = "type=tcp,port=" + std::to_string(port) + ",bindaddr=127.0.0.1";
        std::string ctrl = "type=tcp,port=" + std::to_string(port + 1) + ",bindaddr=127.0.0.1";
        std::string state = "dir=" + dir_;
        execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server.c_str(), "--ctrl", ctrl.c_str(), "--tpmstate",
               state.c_str(), "--flags", "not-need-init,startup-clear", nullptr);
        _exit(127);
      }
      // Bounded wait (5 s) for the server port to accept.
      for (int i = 0; i < 100; ++i) {
        if (PortAnswers(port)) {
          pid_ = pid;
          port_ = port;
          break;
        }
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) break;  // exited: port taken meanwhile, try another
        usleep(50000);
      }
      if (pid_ <= 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
    if (pid_ <= 0) error_ = "swtpm did not start on a free 127.0.0.1 port";
  }
  ~Swtpm() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty() && getenv("CF_E2E_KEEP") == nullptr) {
      std::string cmd = "rm -rf " + dir_;
      if (system(cmd.c_str()) != 0) {
      }
    }
  }
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;

  bool ok() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

 private:
  std::string dir_;
  std::string error_;
  pid_t pid_ = 0;
  uint16_t port_ = 0;
};

}  // namespace cf::testing
