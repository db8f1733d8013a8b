// RSA key plumbing for the simulated platform over OpenSSL 3 EVP; numbers in key_message are unsigned big-endian
// without leading zeros, as the framework writes them.
#include "attest/simulated/rsa_keys.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace cf::attest::simulated {
namespace {

Result<std::string> BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return ossl::Error(std::string("reading RSA ") + name);
  ossl::Bn bn(raw);
  std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

Result<ossl::PKey> GenerateRsa2048() {
  ossl::PKey key(EVP_RSA_gen(2048));
  if (!key) return ossl::Error("generating an RSA-2048 key");
  return key;
}

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
  ossl::PKey key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key.get()) != 2048) {
    ERR_clear_error();
    return Status(Code::kCorrupt, "simulated platform key is not an RSA-2048 private key (" +
                                      std::to_string(der.size()) + " bytes); recreate the platform directory");
  }
  return key;
}

Result<wire::key_message> PublicKeyMessage(EVP_PKEY* key, const std::string& name) {
  wire::key_message msg;
  msg.set_key_name(name);
  msg.set_key_type("rsa-2048-public");
  msg.set_key_format("vse-key");
  CF_ASSIGN_OR_RETURN(std::string n, BnParam(key, OSSL_PKEY_PARAM_RSA_N));
  CF_ASSIGN_OR_RETURN(std::string e, BnParam(key, OSSL_PKEY_PARAM_RSA_E));
  msg.mutable_rsa_key()->set_public_modulus(n);
  msg.mutable_rsa_key()->set_public_exponent(e);
  return msg;
}

Result<Bytes> SignRsaSha256(EVP_PKEY* key, ByteView data) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1 ||
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
