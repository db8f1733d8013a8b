// Private keys as the bytes C_WrapKey wraps and C_UnwrapKey unwraps: unencrypted PKCS#8 PrivateKeyInfo DER (what
// other tokens and OpenSSL expect inside AES-KWP), held only in wiping buffers.
#pragma once

#include "common/secure_bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/key_material.h"

namespace cf::p11 {

Result<SecureBytes> PrivateKeyToPkcs8(const KeyMaterial& key);
// CKR_WRAPPED_KEY_INVALID when the bytes are no private key; CKR_TEMPLATE_INCONSISTENT when the key is not of
// `expected` type (CKK_RSA, CKK_EC, CKK_EC_EDWARDS).
Result<KeyMaterial> PrivateKeyFromPkcs8(ByteView der, CK_KEY_TYPE expected);

}  // namespace cf::p11
