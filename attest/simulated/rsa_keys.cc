// RSA key plumbing for the simulated platform over OpenSSL 3 EVP; the key_message form comes from proto/key_codec
// so it matches what every other part of the tree writes and verifies.
#include "attest/simulated/rsa_keys.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/ossl_context.h"
#include "common/pkey_generate.h"
#include "proto/key_codec.h"

namespace cf::attest::simulated {

Result<ossl::PKey> GenerateRsa2048() { return ossl::GenerateRsaKey(2048); }

Result<SecureBytes> PrivateKeyDer(EVP_PKEY* key) {
  int len = i2d_PrivateKey(key, nullptr);
  if (len <= 0) return ossl::Error("encoding a private key");
  SecureBytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_PrivateKey(key, &p) != len) return ossl::Error("encoding a private key");
  return der;
}

Result<ossl::PKey> PrivateKeyFromDer(ByteView der) {
  const unsigned char* p = der.data();
  ossl::PKey key(d2i_AutoPrivateKey_ex(nullptr, &p, static_cast<long>(der.size()), ossl::LibCtx(), ossl::kPropQuery));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key.get()) != 2048) {
    ERR_clear_error();
    return Status(Code::kCorrupt, "simulated platform key is not an RSA-2048 private key (" +
                                      std::to_string(der.size()) + " bytes); recreate the platform directory");
  }
  return key;
}

Result<wire::key_message> PublicKeyMessage(EVP_PKEY* key, const std::string& name) {
  return keys::KeyMessageFromPKey(key, /*include_private=*/false, name);
}

Result<Bytes> SignRsaSha256(EVP_PKEY* key, ByteView data) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), &pctx, "SHA2-256", ossl::LibCtx(), ossl::kPropQuery, key, nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
    return ossl::Error("starting an RSA-SHA256 signature");
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1)
    return ossl::Error("sizing an RSA-SHA256 signature");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1)
    return ossl::Error("making an RSA-SHA256 signature");
  sig.resize(len);
  return sig;
}

}  // namespace cf::attest::simulated
