// Time formatting and parsing with timegm/gmtime_r; no locale, no static state.
#include "common/time_text.h"

#include <cstdio>
#include <ctime>

namespace cf {

std::string FormatTime(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }
std::string NowText() { return FormatTime(NowSeconds()); }

Result<int64_t> ParseTime(std::string_view text) {
  std::string s(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double sec = 0;
  char sep1 = 0, sep2 = 0;
  // Both legacy forms differ only in the date separators; accept '-' or ':' there.
  if (std::sscanf(s.c_str(), "%4d%c%2d%c%2dT%2d:%2d:%lf", &y, &sep1, &mo, &sep2, &d, &h, &mi, &sec) != 8 ||
      (sep1 != '-' && sep1 != ':') || sep1 != sep2)
    return Result<int64_t>(Code::kInvalidArgument, "time '" + s + "' is not YYYY-MM-DDTHH:MM:SS[.s]Z");
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61)
    return Result<int64_t>(Code::kInvalidArgument, "time '" + s + "' has a field out of range");
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = static_cast<int>(sec);
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace cf
