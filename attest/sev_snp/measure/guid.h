// GUIDs as OVMF and QEMU lay them out in memory: the first three fields little-endian, the last eight bytes as
// written (what EFI_GUID / uuid.bytes_le hold). Written here in their canonical text so a reader can search for
// them in edk2; converted at compile time so a typo fails the build rather than a measurement.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cf::attest::snp::measure {

using Guid = std::array<uint8_t, 16>;

namespace guid_detail {

constexpr uint8_t HexNibble(char c) {
  if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
  throw "not a hex digit";  // only reachable in constant evaluation: a compile error
}

constexpr uint8_t HexByte(std::string_view text, size_t at) {
  return static_cast<uint8_t>(HexNibble(text[at]) << 4 | HexNibble(text[at + 1]));
}

}  // namespace guid_detail

// "96b582de-1fb2-45f7-baea-a366c55a082d" -> its 16 bytes in EFI order.
consteval Guid GuidFromText(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
    throw "not a GUID";
  }
  // Text positions of each output byte: Data1 (4 bytes) and Data2, Data3 (2 each) reversed, Data4 in order.
  constexpr size_t kAt[16] = {6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34};
  Guid g{};
  for (size_t i = 0; i < 16; ++i) g[i] = guid_detail::HexByte(text, kAt[i]);
  return g;
}

}  // namespace cf::attest::snp::measure
