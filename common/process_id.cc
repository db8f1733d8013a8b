// The cached process id (process_id.h): set when the image is loaded, refreshed in every fork child by a
// pthread_atfork handler (glibc ties the handler to this DSO and drops it if the module is dlclose'd).
#include "common/process_id.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>

namespace cf {
namespace {

// Trivially destructible on purpose: nothing here may run in a static destructor (STYLE.md rule 19).
std::atomic<pid_t> g_pid{0};

void RefreshInChild() { g_pid.store(::getpid(), std::memory_order_relaxed); }

// At load time, before any caller can fork through us: registering lazily would leave a window in which a fork
// from another thread copies a cached id without the handler that corrects it.
__attribute__((constructor)) void InstallProcessIdCache() {
  ::pthread_atfork(nullptr, nullptr, &RefreshInChild);
  g_pid.store(::getpid(), std::memory_order_relaxed);
}

}  // namespace

pid_t CurrentPid() {
  pid_t pid = g_pid.load(std::memory_order_relaxed);
  return pid != 0 ? pid : ::getpid();  // 0 only if called from another constructor that ran before ours
}

}  // namespace cf
