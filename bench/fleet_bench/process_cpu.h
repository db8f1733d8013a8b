// CPU time of another process (a cf-certifier replica, HAProxy) from /proc/PID/stat, so a benchmark can report
// admissions per CPU-second of the service rather than per wall second on a machine shared with other work.
#pragma once

#include <sys/types.h>

#include <optional>

namespace cf::bench {

// User + system CPU seconds `pid` has used so far; nullopt when it is gone (or not readable).
std::optional<double> ProcessCpuSeconds(pid_t pid);

// This process's own CPU seconds (all threads).
double OwnCpuSeconds();

}  // namespace cf::bench
