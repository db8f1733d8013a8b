// The one instant the certifier fuzz target and its seed writer share: requests in the seed corpus were made at
// kFuzzNow and the service judges every input at kFuzzNow, so seeds stay fresh however old the corpus gets.
#pragma once

#include <cstdint>

namespace cf::fuzz {

inline constexpr int64_t kFuzzNow = 1790000000;  // 2026-09-21
inline constexpr char kFuzzMeasurementHex[] = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

}  // namespace cf::fuzz
