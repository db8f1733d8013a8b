// Log sink selection. State is plain atomics (no static destructors: exit handlers of other libraries may log
// through us after C++ globals are gone).
#include "common/log.h"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cf::log {
namespace {

std::atomic<int> g_level{-1};  // -1: not yet read from the environment
std::atomic<int> g_stderr{-1};
std::atomic<const char*> g_ident{"cf-pkcs11"};

bool DebugEnv() {
  const char* v = std::getenv("CF_PKCS11_DEBUG");
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

int CurrentLevel() {
  int l = g_level.load(std::memory_order_relaxed);
  if (l < 0) {
    l = DebugEnv() ? static_cast<int>(Level::kDebug) : static_cast<int>(Level::kWarning);
    g_level.store(l, std::memory_order_relaxed);
  }
  return l;
}

bool ToStderr() {
  int s = g_stderr.load(std::memory_order_relaxed);
  if (s < 0) {
    s = DebugEnv() ? 1 : 0;
    g_stderr.store(s, std::memory_order_relaxed);
  }
  return s == 1;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kError:
      return "error";
    case Level::kWarning:
      return "warning";
    case Level::kInfo:
      return "info";
    case Level::kDebug:
      return "debug";
  }
  return "?";
}

}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool ParseLevel(const std::string& name, Level* level) {
  if (name == "error")
    *level = Level::kError;
  else if (name == "warning")
    *level = Level::kWarning;
  else if (name == "info")
    *level = Level::kInfo;
  else if (name == "debug")
    *level = Level::kDebug;
  else
    return false;
  return true;
}

bool Enabled(Level level) { return static_cast<int>(level) <= CurrentLevel(); }
void UseStderr(bool on) { g_stderr.store(on ? 1 : 0, std::memory_order_relaxed); }
void SetIdent(const char* ident) { g_ident.store(ident, std::memory_order_relaxed); }

void Write(Level level, const std::string& message) {
  if (!Enabled(level)) return;
  const char* ident = g_ident.load(std::memory_order_relaxed);
  if (ToStderr()) {
    std::fprintf(stderr, "%s[%d] %s: %s\n", ident, static_cast<int>(getpid()), LevelName(level), message.c_str());
    return;
  }
  static constexpr int kPriority[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
  // syslog() opens its socket lazily and tags with the ident we pass each time; openlog would keep a pointer.
  syslog(LOG_USER | kPriority[static_cast<int>(level)], "%s: %s", ident, message.c_str());
}

}  // namespace cf::log
