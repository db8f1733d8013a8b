// The framework's key algorithm names: the tables of symmetric types and named curves, and name parsing.
#include "proto/key_algorithms.h"

#include <openssl/obj_mac.h>

#include <algorithm>
#include <cctype>

#include "proto/key_codec.h"

namespace cf::keys {
namespace {

// The framework's symmetric key types and their secret sizes (CF-REFERENCE.md section 6).
constexpr std::array<SymmetricAlgorithm, 4> kSymmetric = {{
    {"aes-256-gcm", 32},
    {"aes-256-cbc-hmac-sha256", 64},
    {"aes-256-cbc-hmac-sha384", 80},
    {"aes-256", 32},
}};

constexpr std::array<Curve, 2> kCurves = {{
    {256, "P-256", "prime256v1", NID_X9_62_prime256v1},
    {384, "P-384", "secp384r1", NID_secp384r1},
}};

}  // namespace

std::string Normalize(std::string_view name) {
  std::string out;
  for (char c : name) out += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const SymmetricAlgorithm* FindSymmetric(std::string_view name) {
  std::string n = Normalize(name);
  for (const auto& s : kSymmetric) {
    if (s.name == n) return &s;
  }
  return nullptr;
}

const Curve* CurveByFrameworkName(std::string_view name) {
  std::string n = Normalize(name);
  for (const auto& c : kCurves) {
    if (Normalize(c.framework_name) == n || c.openssl_name == n) return &c;
  }
  return nullptr;
}

const Curve* CurveByBits(int bits) {
  for (const auto& c : kCurves) {
    if (c.bits == bits) return &c;
  }
  return nullptr;
}

std::optional<TypeName> ParseAsymmetricName(std::string_view name) {
  std::string n = Normalize(name);
  for (const char* suffix : {"-private", "-public"}) {
    if (n.ends_with(suffix)) n.resize(n.size() - std::string_view(suffix).size());
  }
  TypeName t;
  if (n.starts_with("rsa")) {
    t.family = "rsa";
  } else if (n.starts_with("ecc")) {
    t.family = "ecc";
  } else {
    return std::nullopt;
  }
  std::string rest = n.substr(3);
  if (rest.starts_with("-")) rest.erase(0, 1);
  if (t.family == "ecc" && rest.starts_with("p")) rest.erase(0, 1);
  if (rest.starts_with("-")) rest.erase(0, 1);
  if (rest.empty()) return t;
  if (rest.size() > 5 || !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  t.bits = std::stoi(rest);
  return t;
}

bool IsSymmetricAlgorithm(std::string_view algorithm) { return FindSymmetric(algorithm) != nullptr; }

bool IsPrivateKeyType(std::string_view key_type) { return Normalize(key_type).ends_with("-private"); }

}  // namespace cf::keys
