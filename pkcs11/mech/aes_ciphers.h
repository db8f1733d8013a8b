// OpenSSL AES ciphers by mode and key length, fetched once per module OpenSSL context (common/ossl_context.h), and the
// key check every AES row makes.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "pkcs11/mech/key_material.h"
#include "pkcs11/mech/operation.h"

namespace cf::p11 {

// mode: "CBC", "CTR", "GCM", "WRAP", "WRAP-PAD". nullptr for an unknown mode or a key length not 16/24/32.
const EVP_CIPHER* AesCipher(const char* mode, size_t key_len);
// The bytes of an AES key (CKK_AES, 16/24/32 bytes) or CKR_KEY_TYPE_INCONSISTENT / CKR_KEY_SIZE_RANGE.
Result<std::shared_ptr<const SecureBytes>> AesKeyFor(const KeyMaterial* key, const char* mechanism_name);

}  // namespace cf::p11
