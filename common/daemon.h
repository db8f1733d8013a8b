// Start-up shared by the long-running tools (cf-certifier, cf-key-server): their log lines on stderr or appended to
// a file, and the stop signals blocked in every thread so that only the main thread, waiting for them, sees them.
#pragma once

#include <signal.h>

#include <string>

#include "common/status.h"

namespace cf::daemon {

// Logs as `ident` (a string literal) at `level` ("error", "warning", "info", "debug"), line-buffered, on stderr
// or appended to `log_file` when it is not empty.
Status StartLog(const char* ident, const std::string& level, const std::string& log_file);

// Blocks SIGTERM and SIGINT (and SIGHUP when `reload`, for a daemon that reloads its configuration on it) in the
// calling thread and every thread it starts afterwards, and ignores SIGPIPE (a peer closing its connection must not
// stop the service). Call before starting threads.
sigset_t BlockStopSignals(bool reload = false);

// Waits for one of the blocked signals; returns its name ("SIGTERM", "SIGINT" or "SIGHUP").
std::string WaitForStopSignal(const sigset_t& stop);

}  // namespace cf::daemon
