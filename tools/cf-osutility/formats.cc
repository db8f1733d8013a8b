// Format names and the text encodings of cf-osutility's input and output.
#include "tools/cf-osutility/formats.h"

#include <algorithm>
#include <array>
#include <utility>

namespace cf::osutil {
namespace {

std::string Normalize(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr std::array<std::pair<std::string_view, Format>, 7> kNames = {{
    {"raw", Format::kRaw},
    {"hex", Format::kHex},
    {"base64", Format::kBase64},
    {"key-message-serialized-protobuf", Format::kKeyMessage},
    {"cryptstore-entry", Format::kCryptstoreEntry},
    // The framework's cf_utility calls the serialized cryptstore_entry output "serialized-protobuf".
    {"serialized-protobuf", Format::kCryptstoreEntry},
    {"public-der", Format::kPublicDer},
}};

}  // namespace

Result<Format> ParseOutputFormat(std::string_view name) {
  std::string n = Normalize(name);
  for (const auto& [text, format] : kNames) {
    if (text == n) return format;
  }
  return Status(Code::kInvalidArgument, "unknown --output-format '" + std::string(name) +
                                            "'; use raw, hex, base64, key-message-serialized-protobuf, "
                                            "cryptstore-entry or public-der");
}

Result<Format> ParseInputFormat(std::string_view name) {
  auto f = ParseOutputFormat(name);
  if (!f.ok() || *f == Format::kPublicDer) {
    return Status(Code::kInvalidArgument, "unknown --input-format '" + std::string(name) +
                                              "'; use raw, hex, base64, key-message-serialized-protobuf or "
                                              "cryptstore-entry");
  }
  return f;
}

bool IsPublicKeyAlgorithm(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kKnown = {"rsa-2048",  "rsa-3072", "rsa-4096", "ecc-256",
                                                              "ecc-384",   "ecc-p256", "ecc-p384", "ecc-p-256",
                                                              "ecc-p-384", "p-256",    "p-384"};
  std::string n = Normalize(name);
  return std::find(kKnown.begin(), kKnown.end(), n) != kKnown.end();
}

SecureBytes EncodeForOutput(Format format, ByteView data) {
  if (format != Format::kHex && format != Format::kBase64) return SecureBytes(data.begin(), data.end());
  std::string text = format == Format::kHex ? HexEncode(data) : Base64Encode(data);
  SecureBytes out(text.begin(), text.end());
  std::fill(text.begin(), text.end(), '\0');
  out.push_back('\n');
  return out;
}

Result<SecureBytes> DecodeInput(Format format, ByteView data, const std::string& source) {
  if (format != Format::kHex && format != Format::kBase64) return SecureBytes(data.begin(), data.end());
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  Result<Bytes> decoded = format == Format::kHex ? HexDecode(text) : Base64Decode(text);
  if (!decoded.ok()) {
    return Status(Code::kInvalidArgument, source + " is not valid " + (format == Format::kHex ? "hex" : "base64") +
                                              " (" + decoded.status().message() +
                                              "); fix the file or give the right --input-format");
  }
  SecureBytes out(decoded->begin(), decoded->end());
  std::fill(decoded->begin(), decoded->end(), 0);
  return out;
}

}  // namespace cf::osutil
