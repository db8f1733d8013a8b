// OpenSSL key consistency checks that still work when the host program has made an ENGINE the default RSA/EC
// method (`openssl -engine pkcs11` does, with libp11's engine loaded over this very module). OpenSSL 3 then hands
// every EVP_PKEY_CTX for RSA/EC to the engine's legacy method, where EVP_PKEY_*check is unsupported (-2).
#pragma once

#include <openssl/evp.h>

#include <string>

#include "common/status.h"

namespace cf::p11 {

// Key-type names for EVP_PKEY_CTX_new_from_name: the OID aliases map to no legacy NID by name, so OpenSSL fetches
// the provider's key manager even under a default engine ("RSA"/"EC" would give a legacy context on which
// EVP_PKEY_fromdata fails and keygen yields legacy keys).
inline constexpr char kRsaKeyType[] = "1.2.840.113549.1.1.1";  // rsaEncryption
inline constexpr char kEcKeyType[] = "1.2.840.10045.2.1";      // id-ecPublicKey

// OK when the private key matches its public half: OpenSSL's pairwise check, or under a default engine a
// sign/verify pairwise test over SHA-256 (which the engine's method forwards to OpenSSL for keys not its own).
Status CheckKeyPair(EVP_PKEY* key);
// OK when the public key is usable: OpenSSL's public check, or under a default engine the same essentials by
// hand (RSA: odd modulus, odd exponent > 1; EC: the point decodes on its curve, so no invalid-curve ECDH).
Status CheckPublicKey(EVP_PKEY* key);

}  // namespace cf::p11
