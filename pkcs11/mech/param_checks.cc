// Parameter and key checks shared by the mechanism families (see param_checks.h).
#include "pkcs11/mech/param_checks.h"

#include <openssl/x509.h>

#include <algorithm>

namespace cf::p11 {

Status NoParams(const CK_MECHANISM& mechanism, const char* mechanism_name) {
  if (mechanism.pParameter != nullptr && mechanism.ulParameterLen != 0) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, std::string(mechanism_name) + " takes no parameter, got " +
                                               std::to_string(mechanism.ulParameterLen) + " bytes");
  }
  return Status::Ok();
}

Result<std::shared_ptr<EVP_PKEY>> AsymmetricKeyFor(const KeyMaterial* key, CK_KEY_TYPE key_type, OpKind kind,
                                                   const char* mechanism_name) {
  if (key == nullptr || key->key_type != key_type || !key->pkey) {
    return Rv(CKR_KEY_TYPE_INCONSISTENT,
              std::string(mechanism_name) + " needs key type " + std::to_string(key_type) + ", got " +
                  (key == nullptr ? std::string("no key") : "key type " + std::to_string(key->key_type)));
  }
  bool needs_private =
      kind == OpKind::kSign || kind == OpKind::kDecrypt || kind == OpKind::kUnwrap || kind == OpKind::kDerive;
  if (needs_private && key->object_class != CKO_PRIVATE_KEY) {
    return Rv(CKR_KEY_FUNCTION_NOT_PERMITTED, std::string(mechanism_name) + " needs the private key here");
  }
  return key->pkey;
}

Result<std::shared_ptr<const SecureBytes>> SecretKeyFor(const KeyMaterial* key,
                                                        std::initializer_list<CK_KEY_TYPE> key_types,
                                                        const char* mechanism_name) {
  if (key == nullptr || !key->secret || key->object_class != CKO_SECRET_KEY ||
      std::find(key_types.begin(), key_types.end(), key->key_type) == key_types.end()) {
    return Rv(CKR_KEY_TYPE_INCONSISTENT,
              std::string(mechanism_name) + " needs a secret key of a listed type, got " +
                  (key == nullptr ? std::string("no key") : "key type " + std::to_string(key->key_type)));
  }
  return key->secret;
}

std::shared_ptr<EVP_PKEY> SharePKey(ossl::PKey pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey.release(), ossl::Deleter<EVP_PKEY_free>());
}

Result<std::shared_ptr<EVP_PKEY>> PublicOnlyCopy(const EVP_PKEY* pkey) {
  // Through SubjectPublicKeyInfo: the copy cannot carry private components by construction.
  int len = i2d_PUBKEY(pkey, nullptr);
  if (len <= 0) return ossl::Error("encoding the public key");
  Bytes der(static_cast<size_t>(len));
  unsigned char* w = der.data();
  if (i2d_PUBKEY(pkey, &w) != len) return ossl::Error("encoding the public key");
  const unsigned char* r = der.data();
  ossl::PKey pub(d2i_PUBKEY(nullptr, &r, len));
  if (!pub) return ossl::Error("decoding the public key");
  return SharePKey(std::move(pub));
}

}  // namespace cf::p11
