// Key-pair generation in the module's OpenSSL context (ossl_context.h) under the OID key-type names of
// pkey_check.h: an application's default engine (libp11's, made default for RSA/EC) is process-wide, not per
// context, and takes over any EVP_PKEY_CTX made from the names "RSA" or "EC"; the OID names reach the provider.
#pragma once

#include <openssl/bn.h>

#include "common/ossl.h"
#include "common/status.h"

namespace cf::ossl {

// RSA of `bits` with public exponent `exponent` (65537 when null).
Result<PKey> GenerateRsaKey(unsigned bits, const BIGNUM* exponent = nullptr);
// EC on the named group ("prime256v1", "P-384", ...).
Result<PKey> GenerateEcKey(const char* group_name);

}  // namespace cf::ossl
