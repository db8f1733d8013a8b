// Logging and signal set-up for the long-running tools.
#include "common/daemon.h"

#include <pthread.h>

#include <cstdio>

#include "common/log.h"

namespace cf::daemon {

Status StartLog(const char* ident, const std::string& level, const std::string& log_file) {
  log::UseStderr(true);
  log::SetIdent(ident);
  log::Level parsed;
  if (!log::ParseLevel(level, &parsed)) {
    return Status(Code::kInvalidArgument, "bad --log-level '" + level + "' (error, warning, info or debug)");
  }
  log::SetLevel(parsed);
  if (!log_file.empty()) {
    // Tried first on its own: a failed freopen would close stderr, and the reason with it.
    std::FILE* probe = std::fopen(log_file.c_str(), "a");
    if (probe == nullptr || std::fclose(probe) != 0 || std::freopen(log_file.c_str(), "a", stderr) == nullptr) {
      return Status(Code::kIoError, "cannot open log file '" + log_file + "' for appending");
    }
  }
  setvbuf(stderr, nullptr, _IOLBF, 0);
  return Status::Ok();
}

sigset_t BlockStopSignals(bool reload) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  if (reload) sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop;
}

std::string WaitForStopSignal(const sigset_t& stop) {
  int sig = 0;
  sigwait(&stop, &sig);
  return sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGINT";
}

}  // namespace cf::daemon
