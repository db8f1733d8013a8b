// MAC sign/verify over OpenSSL EVP_MAC (HMAC, CMAC), multi-part. Verification compares in constant time and
// releases nothing; _GENERAL rows truncate the tag to the requested length.
#pragma once

#include <memory>
#include <string>

#include "pkcs11/mech/key_material.h"
#include "pkcs11/mech/operation.h"

namespace cf::p11 {

struct MacConfig {
  const char* mac_name;     // "HMAC" or "CMAC"
  std::string param_name;   // OSSL_MAC_PARAM_DIGEST or OSSL_MAC_PARAM_CIPHER
  std::string param_value;  // "SHA2-256", "AES-256-CBC"
  size_t full_length;       // the MAC's natural output length
  size_t output_length;     // what C_Sign returns (full_length, or the _GENERAL length)
};

// kSign or kVerify with the key bytes (kept alive by the shared_ptr for the operation's life).
Result<std::unique_ptr<Operation>> MakeMacOperation(OpKind kind, std::shared_ptr<const SecureBytes> key,
                                                    MacConfig config);

// CK_MAC_GENERAL_PARAMS (a CK_ULONG; p11-kit lacks the typedef): the requested length, 1..full_length, else
// CKR_MECHANISM_PARAM_INVALID.
Result<size_t> GeneralMacLength(const CK_MECHANISM& m, const char* name, size_t full_length);

}  // namespace cf::p11
