// Byte strings and their text forms. Bytes is for non-secret data; secrets go in SecureBytes (secure_bytes.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cf {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
inline std::string AsString(ByteView b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string HexEncode(ByteView data);
Result<Bytes> HexDecode(std::string_view hex);      // accepts upper/lower case, ignores ASCII white space
std::string Base64Encode(ByteView data);            // one line, no newlines
Result<Bytes> Base64Decode(std::string_view text);  // ignores ASCII white space

// Constant-time equality (CRYPTO_memcmp); lengths are not secret.
bool ConstantTimeEquals(ByteView a, ByteView b);

}  // namespace cf
