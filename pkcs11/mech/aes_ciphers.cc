// AES cipher table (see aes_ciphers.h).
#include "pkcs11/mech/aes_ciphers.h"

#include <cstdio>
#include <cstring>

#include "common/ossl_context.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

constexpr const char* kModes[] = {"CBC", "CTR", "GCM", "WRAP", "WRAP-PAD"};

}  // namespace

const EVP_CIPHER* AesCipher(const char* mode, size_t key_len) {
  if (key_len != 16 && key_len != 24 && key_len != 32) return nullptr;
  for (const char* known : kModes) {
    if (std::strcmp(known, mode) != 0) continue;
    char name[32];  // "AES-256-WRAP-PAD" at most
    std::snprintf(name, sizeof(name), "AES-%zu-%s", key_len * 8, known);
    return ossl::FetchedCipher(name);
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
