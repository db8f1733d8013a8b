// The byte formats cf-osutility reads (--input-format) and writes (--output-format): raw, hex, base64, the
// framework's serialized key_message and serialized cryptstore_entry, and (output only) DER SubjectPublicKeyInfo.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::osutil {

enum class Format { kRaw, kHex, kBase64, kKeyMessage, kCryptstoreEntry, kPublicDer };

inline constexpr char kKeyMessageType[] = "key-message-serialized-protobuf";
inline constexpr char kCertificateType[] = "X509-der-cert";
inline constexpr char kBlobType[] = "binary-blob";

Result<Format> ParseOutputFormat(std::string_view name);
Result<Format> ParseInputFormat(std::string_view name);
// rsa-2048/3072/4096, ecc-256/384 (also ecc-p256, ecc_p384, ...).
bool IsPublicKeyAlgorithm(std::string_view name);

// hex and base64 become one line of text ending in a newline; every other format is written as is.
SecureBytes EncodeForOutput(Format format, ByteView data);
// hex and base64 text (white space ignored) to bytes; other formats as is. kInvalidArgument names the format.
Result<SecureBytes> DecodeInput(Format format, ByteView data, const std::string& source);

}  // namespace cf::osutil
