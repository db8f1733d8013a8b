// AES cipher table (see aes_ciphers.h).
#include "pkcs11/mech/aes_ciphers.h"

#include <cstring>
#include <string>

#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

constexpr const char* kModes[] = {"CBC", "CTR", "GCM", "WRAP", "WRAP-PAD"};
constexpr size_t kModeCount = sizeof(kModes) / sizeof(kModes[0]);

}  // namespace

const EVP_CIPHER* AesCipher(const char* mode, size_t key_len) {
  static EVP_CIPHER* const* const table = [] {
    auto* t = new EVP_CIPHER*[kModeCount * 3];
    for (size_t m = 0; m < kModeCount; ++m) {
      for (size_t k = 0; k < 3; ++k) {
        std::string name = "AES-" + std::to_string(128 + 64 * k) + "-" + kModes[m];
        t[m * 3 + k] = EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr);
      }
    }
    return t;
  }();
  if (key_len != 16 && key_len != 24 && key_len != 32) return nullptr;
  for (size_t m = 0; m < kModeCount; ++m) {
    if (std::strcmp(kModes[m], mode) == 0) return table[m * 3 + (key_len - 16) / 8];
  }
  return nullptr;
}

Result<std::shared_ptr<const SecureBytes>> AesKeyFor(const KeyMaterial* key, const char* mechanism_name) {
  CF_ASSIGN_OR_RETURN(auto secret, SecretKeyFor(key, {CKK_AES}, mechanism_name));
  size_t n = secret->size();
  if (n != 16 && n != 24 && n != 32) {
    return Rv(CKR_KEY_SIZE_RANGE, std::string(mechanism_name) + ": AES key of " + std::to_string(n) + " bytes");
  }
  return secret;
}

}  // namespace cf::p11
