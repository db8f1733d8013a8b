// Logging for code that runs inside other people's processes: never stdout. syslog (LOG_USER, ident "cf-pkcs11"
// unless set) by default; stderr when CF_PKCS11_DEBUG is set (then debug lines are on too). Never log a secret.
#pragma once

#include <string>

namespace cf::log {

enum class Level { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// Messages above this level are dropped. Default: kWarning, or kDebug when CF_PKCS11_DEBUG is set.
void SetLevel(Level level);
bool ParseLevel(const std::string& name, Level* level);  // "error", "warning", "info", "debug"
bool Enabled(Level level);
// Tools (cf-osutility, cf-certifier) log to stderr always; the module uses the default.
void UseStderr(bool on);
void SetIdent(const char* ident);  // must outlive the process (a string literal)

void Write(Level level, const std::string& message);

inline void Error(const std::string& m) { Write(Level::kError, m); }
inline void Warning(const std::string& m) { Write(Level::kWarning, m); }
inline void Info(const std::string& m) { Write(Level::kInfo, m); }
inline void Debug(const std::string& m) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, m);
}

}  // namespace cf::log
