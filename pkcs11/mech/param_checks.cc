// Parameter and key checks shared by the mechanism families (see param_checks.h).
#include "pkcs11/mech/param_checks.h"

#include <openssl/encoder.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::p11 {
namespace {

void OpenSslFree(unsigned char* p) { OPENSSL_free(p); }

}  // namespace

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
  // Through SubjectPublicKeyInfo: the copy cannot carry private components by construction. Encoded by the key's
  // provider (an OSSL_ENCODER), not i2d_PUBKEY: that takes the legacy EC_KEY route, where an application's default
  // EC engine (libp11) changes the encoding (compressed points were seen).
  ossl::EncoderCtx encoder(
      OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_PUBLIC_KEY, "DER", "SubjectPublicKeyInfo", ossl::kPropQuery));
  unsigned char* der = nullptr;
  size_t len = 0;
  if (!encoder || OSSL_ENCODER_to_data(encoder.get(), &der, &len) != 1) return ossl::Error("encoding the public key");
  std::unique_ptr<unsigned char, ossl::Deleter<OpenSslFree>> owned(der);
  const unsigned char* r = der;
  ossl::PKey pub(d2i_PUBKEY_ex(nullptr, &r, static_cast<long>(len), ossl::LibCtx(), ossl::kPropQuery));
  if (!pub) return ossl::Error("decoding the public key");
  return SharePKey(std::move(pub));
}

}  // namespace cf::p11
