// Checks every family makes at C_*Init: the mechanism parameter's presence and size, and that the key is of the
// type (and class) the mechanism needs. Messages name the mechanism and the values seen.
#pragma once

#include <memory>
#include <string>

#include "pkcs11/mech/key_material.h"
#include "pkcs11/mech/operation.h"

namespace cf::p11 {

// pParameter must point at exactly one T.
template <typename T>
Result<const T*> ParamAs(const CK_MECHANISM& mechanism, const char* mechanism_name, const char* param_name) {
  if (mechanism.pParameter == nullptr || mechanism.ulParameterLen != sizeof(T)) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, std::string(mechanism_name) + " needs a " + param_name + " of " +
                                               std::to_string(sizeof(T)) + " bytes, got " +
                                               std::to_string(mechanism.ulParameterLen));
  }
  return static_cast<const T*>(mechanism.pParameter);
}

// Mechanisms without a parameter: a non-empty one is CKR_MECHANISM_PARAM_INVALID.
Status NoParams(const CK_MECHANISM& mechanism, const char* mechanism_name);

// The shared EVP_PKEY of an asymmetric key of key_type usable for kind: sign/decrypt/unwrap/derive need a private
// key; CKR_KEY_TYPE_INCONSISTENT for another key type, CKR_KEY_FUNCTION_NOT_PERMITTED for the wrong class.
Result<std::shared_ptr<EVP_PKEY>> AsymmetricKeyFor(const KeyMaterial* key, CK_KEY_TYPE key_type, OpKind kind,
                                                   const char* mechanism_name);
// The secret bytes of a symmetric key of one of the key types (CKK_GENERIC_SECRET accepted only if listed).
Result<std::shared_ptr<const SecureBytes>> SecretKeyFor(const KeyMaterial* key,
                                                        std::initializer_list<CK_KEY_TYPE> key_types,
                                                        const char* mechanism_name);

// A shared_ptr owning pkey (EVP_PKEY_free on release) and a public-only copy of a key pair.
std::shared_ptr<EVP_PKEY> SharePKey(ossl::PKey pkey);
Result<std::shared_ptr<EVP_PKEY>> PublicOnlyCopy(const EVP_PKEY* pkey);

}  // namespace cf::p11
