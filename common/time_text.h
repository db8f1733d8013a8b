// Time as text: we write RFC 3339 UTC ("2026-11-23T07:39:00Z"); we read that and the Certifier Framework's two
// legacy forms (C++ "YYYY-MM-DDTHH:MM:SS.sssssZ", Go "YYYY:MM:DDTHH:MM:SS...Z").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cf {

std::string FormatTime(int64_t unix_seconds);  // RFC 3339, UTC, whole seconds
std::string NowText();
int64_t NowSeconds();
Result<int64_t> ParseTime(std::string_view text);  // seconds since the epoch, UTC

}  // namespace cf
