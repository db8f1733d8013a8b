// PKCS#8 encoding of private keys through a secure-heap memory BIO, so no plaintext copy outlives its wiping buffer.
#include "pkcs11/model/private_key_encoding.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::p11 {

Result<SecureBytes> PrivateKeyToPkcs8(const KeyMaterial& key) {
  if (key.object_class != CKO_PRIVATE_KEY || !key.pkey)
    return Rv(CKR_KEY_NOT_WRAPPABLE, "only private keys with key material are encoded as PKCS#8");
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio || i2d_PKCS8PrivateKey_bio(bio.get(), key.pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Rv(CKR_GENERAL_ERROR, "encoding the private key as PKCS#8 failed");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return Rv(CKR_GENERAL_ERROR, "PKCS#8 encoding produced no bytes");
  return SecureBytes(reinterpret_cast<const uint8_t*>(data), reinterpret_cast<const uint8_t*>(data) + len);
}

Result<KeyMaterial> PrivateKeyFromPkcs8(ByteView der, CK_KEY_TYPE expected) {
  const unsigned char* p = der.data();
  ossl::PKey pkey(d2i_AutoPrivateKey_ex(nullptr, &p, static_cast<long>(der.size()), ossl::LibCtx(), ossl::kPropQuery));
  if (!pkey || p != der.data() + der.size())
    return Rv(CKR_WRAPPED_KEY_INVALID, "the unwrapped bytes are not one PKCS#8 private key");
  int id = EVP_PKEY_get_base_id(pkey.get());
  CK_KEY_TYPE type = id == EVP_PKEY_RSA                                 ? CKK_RSA
                     : id == EVP_PKEY_EC                                ? CKK_EC
                     : (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? CKK_EC_EDWARDS
                                                                        : CK_UNAVAILABLE_INFORMATION;
  if (type == CK_UNAVAILABLE_INFORMATION)
    return Rv(CKR_WRAPPED_KEY_INVALID, "the unwrapped private key is of an algorithm this token does not hold");
  if (type != expected)
    return Rv(CKR_TEMPLATE_INCONSISTENT, "the template's CKA_KEY_TYPE " + std::to_string(expected) +
                                             " does not match the unwrapped key's type " + std::to_string(type));
  KeyMaterial out;
  out.object_class = CKO_PRIVATE_KEY;
  out.key_type = type;
  out.pkey = std::shared_ptr<EVP_PKEY>(pkey.release(), ossl::Deleter<EVP_PKEY_free>());
  return out;
}

}  // namespace cf::p11
