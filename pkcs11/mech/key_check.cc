// Key consistency checks with a fallback for host programs that make an ENGINE the default RSA/EC method
// (see key_check.h). The fallback runs only when OpenSSL reports the check unsupported (-2), never on failure.
#include "pkcs11/mech/key_check.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <array>

#include "common/ossl.h"

namespace cf::p11 {
namespace {

constexpr int kUnsupported = -2;  // EVP_PKEY_*check: no implementation reachable through this context

Status PairwiseBySigning(EVP_PKEY* key) {
  std::array<unsigned char, 32> digest{};
  digest.fill(0x5a);
  std::array<unsigned char, 2048> sig{};  // RSA-16384 signatures are 2048 bytes, ECDSA far less
  size_t sig_len = sig.size();
  ossl::PKeyCtx sign(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!sign || EVP_PKEY_sign_init(sign.get()) != 1 || EVP_PKEY_CTX_set_signature_md(sign.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_sign(sign.get(), sig.data(), &sig_len, digest.data(), digest.size()) != 1) {
    return ossl::Error("pairwise test: signing with the private key");
  }
  ossl::PKeyCtx verify(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!verify || EVP_PKEY_verify_init(verify.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(verify.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_verify(verify.get(), sig.data(), sig_len, digest.data(), digest.size()) != 1) {
    return Status(Code::kInvalidArgument,
                  ossl::ErrorString("pairwise test: the public key does not verify the private key's signature"));
  }
  return Status();
}

Status PublicByHand(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    BIGNUM* n_raw = nullptr;
    BIGNUM* e_raw = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n_raw);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e_raw);
    ossl::Bn n(n_raw), e(e_raw);
    if (!n || !e || !BN_is_odd(n.get()) || !BN_is_odd(e.get()) || BN_is_one(e.get())) {
      return Status(Code::kInvalidArgument, "RSA public key needs an odd modulus and an odd exponent > 1");
    }
    return Status();
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    std::array<char, 64> group_name{};
    std::array<unsigned char, 256> point{};
    size_t name_len = 0, point_len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group_name.data(), group_name.size(),
                                       &name_len) != 1 ||
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &point_len) != 1) {
      return ossl::Error("reading the EC public key's group and point");
    }
    int nid = OBJ_txt2nid(group_name.data());
    if (nid == NID_undef) nid = EC_curve_nist2nid(group_name.data());
    ossl::EcGroup group(EC_GROUP_new_by_curve_name(nid));
    ossl::EcPoint decoded(group ? EC_POINT_new(group.get()) : nullptr);
    // oct2point refuses a point that is not on the curve.
    if (!decoded || EC_POINT_oct2point(group.get(), decoded.get(), point.data(), point_len, nullptr) != 1 ||
        EC_POINT_is_at_infinity(group.get(), decoded.get())) {
      return Status(Code::kInvalidArgument,
                    ossl::ErrorString(std::string("EC public point is not on curve ") + group_name.data()));
    }
    return Status();
  }
  return Status(Code::kInternal, std::string("no public key check for key type ") + EVP_PKEY_get0_type_name(key));
}

}  // namespace

Status CheckKeyPair(EVP_PKEY* key) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  int ok = ctx ? EVP_PKEY_pairwise_check(ctx.get()) : 0;
  if (ok == 1) return Status();
  if (ok == kUnsupported) {
    ERR_clear_error();
    return PairwiseBySigning(key);
  }
  return Status(Code::kInvalidArgument, ossl::ErrorString("private and public key components do not match"));
}

Status CheckPublicKey(EVP_PKEY* key) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  int ok = ctx ? EVP_PKEY_public_check(ctx.get()) : 0;
  if (ok == 1) return Status();
  if (ok == kUnsupported) {
    ERR_clear_error();
    return PublicByHand(key);
  }
  return Status(Code::kInvalidArgument, ossl::ErrorString("public key check failed"));
}

}  // namespace cf::p11
