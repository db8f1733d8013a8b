// The framework's key algorithm names inside proto/: symmetric types and their sizes, the named curves, and the
// parsing of "rsa-2048-private" / "ecc-p384" style names, shared by the key codec's reading, writing and generation.
// Folder-private: other folders use key_codec.h.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace cf::keys {

struct SymmetricAlgorithm {
  std::string_view name;
  size_t secret_bytes;
};

struct Curve {
  int bits;                    // as in "ecc-256"
  const char* framework_name;  // ecc_message.curve_name
  const char* openssl_name;    // OSSL_PKEY_PARAM_GROUP_NAME
  int nid;
};

// "rsa-2048", "rsa-2048-private", "ecc-384-public", "ecc-p384" -> family and size; 0 bits when the type carries none.
struct TypeName {
  std::string family;  // "rsa" or "ecc"
  int bits = 0;
};

inline constexpr char kKeyFormat[] = "vse-key";

// Lower case, '_' as '-': the framework's flags and docs use both ("rsa_2048", "rsa-2048").
std::string Normalize(std::string_view name);
const SymmetricAlgorithm* FindSymmetric(std::string_view name);
const Curve* CurveByFrameworkName(std::string_view name);
const Curve* CurveByBits(int bits);
std::optional<TypeName> ParseAsymmetricName(std::string_view name);

}  // namespace cf::keys
