// EVP_PKEY_generate from a context named by OID in LibCtx() (see pkey_generate.h for why not "RSA"/"EC").
#include "common/pkey_generate.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <string>

#include "common/ossl_context.h"
#include "common/pkey_check.h"

namespace cf::ossl {

Result<PKey> GenerateRsaKey(unsigned bits, const BIGNUM* exponent) {
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(LibCtx(), kRsaKeyType, kPropQuery));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1 ||
      (exponent != nullptr && EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), const_cast<BIGNUM*>(exponent)) != 1) ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return Error("generating an RSA-" + std::to_string(bits) + " key pair");
  }
  return PKey(raw);
}

Result<PKey> GenerateEcKey(const char* group_name) {
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(LibCtx(), kEcKeyType, kPropQuery));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_group_name(ctx.get(), group_name) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return Error(std::string("generating an EC key pair on ") + group_name);
  }
  return PKey(raw);
}

}  // namespace cf::ossl
