// OpenSSL key consistency checks and key-type names that still work when the host program has made an ENGINE the
// default RSA/EC method (`openssl -engine pkcs11` does, with libp11's engine loaded over our own module). OpenSSL 3
// then hands every EVP_PKEY_CTX for RSA/EC to the engine's legacy method, where EVP_PKEY_*check is unsupported (-2).
// Header-only so every layer (proto's key codec, pkcs11's mechanisms) uses the same rules without a link change.
#pragma once

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <array>
#include <string>

#include "common/ossl.h"
#include "common/ossl_context.h"
#include "common/status.h"

namespace cf::ossl {

// Key-type names for EVP_PKEY_CTX_new_from_name: the OID aliases map to no legacy NID by name, so OpenSSL fetches
// the provider's key manager even under a default engine ("RSA"/"EC" would give a legacy context on which
// EVP_PKEY_fromdata fails and keygen yields legacy keys).
inline constexpr char kRsaKeyType[] = "1.2.840.113549.1.1.1";  // rsaEncryption
inline constexpr char kEcKeyType[] = "1.2.840.10045.2.1";      // id-ecPublicKey

namespace pkey_check_internal {

inline constexpr int kUnsupported = -2;  // EVP_PKEY_*check: no implementation reachable through this context

inline Status PairwiseBySigning(EVP_PKEY* key) {
  std::array<unsigned char, 32> digest{};
  digest.fill(0x5a);
  std::array<unsigned char, 2048> sig{};  // RSA-16384 signatures are 2048 bytes, ECDSA far less
  size_t sig_len = sig.size();
  PKeyCtx sign(EVP_PKEY_CTX_new_from_pkey(LibCtx(), key, kPropQuery));
  if (!sign || EVP_PKEY_sign_init(sign.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(sign.get(), FetchedDigest("SHA2-256")) != 1 ||
      EVP_PKEY_sign(sign.get(), sig.data(), &sig_len, digest.data(), digest.size()) != 1) {
    return Error("pairwise test: signing with the private key");
  }
  PKeyCtx verify(EVP_PKEY_CTX_new_from_pkey(LibCtx(), key, kPropQuery));
  if (!verify || EVP_PKEY_verify_init(verify.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(verify.get(), FetchedDigest("SHA2-256")) != 1 ||
      EVP_PKEY_verify(verify.get(), sig.data(), sig_len, digest.data(), digest.size()) != 1) {
    return Status(Code::kInvalidArgument,
                  ErrorString("pairwise test: the public key does not verify the private key's signature"));
  }
  return Status();
}

inline Status PublicByHand(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    BIGNUM* n_raw = nullptr;
    BIGNUM* e_raw = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n_raw);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e_raw);
    Bn n(n_raw), e(e_raw);
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
      return Error("reading the EC public key's group and point");
    }
    int nid = OBJ_txt2nid(group_name.data());
    if (nid == NID_undef) nid = EC_curve_nist2nid(group_name.data());
    EcGroup group(EC_GROUP_new_by_curve_name_ex(LibCtx(), kPropQuery, nid));
    EcPoint decoded(group ? EC_POINT_new(group.get()) : nullptr);
    // oct2point refuses a point that is not on the curve.
    if (!decoded || EC_POINT_oct2point(group.get(), decoded.get(), point.data(), point_len, nullptr) != 1 ||
        EC_POINT_is_at_infinity(group.get(), decoded.get())) {
      return Status(Code::kInvalidArgument,
                    ErrorString(std::string("EC public point is not on curve ") + group_name.data()));
    }
    return Status();
  }
  return Status(Code::kInternal, std::string("no public key check for key type ") + EVP_PKEY_get0_type_name(key));
}

}  // namespace pkey_check_internal

// OK when the private key matches its public half: OpenSSL's pairwise check, or under a default engine a
// sign/verify pairwise test over SHA-256 (which the engine's method forwards to OpenSSL for keys not its own).
inline Status CheckKeyPair(EVP_PKEY* key) {
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(LibCtx(), key, kPropQuery));
  int ok = ctx ? EVP_PKEY_pairwise_check(ctx.get()) : 0;
  if (ok == 1) return Status();
  if (ok == pkey_check_internal::kUnsupported) {
    ERR_clear_error();
    return pkey_check_internal::PairwiseBySigning(key);
  }
  return Status(Code::kInvalidArgument, ErrorString("private and public key components do not match"));
}

// OK when the public key is usable: OpenSSL's public check, or under a default engine the same essentials by
// hand (RSA: odd modulus, odd exponent > 1; EC: the point decodes on its curve, so no invalid-curve ECDH).
inline Status CheckPublicKey(EVP_PKEY* key) {
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(LibCtx(), key, kPropQuery));
  int ok = ctx ? EVP_PKEY_public_check(ctx.get()) : 0;
  if (ok == 1) return Status();
  if (ok == pkey_check_internal::kUnsupported) {
    ERR_clear_error();
    return pkey_check_internal::PublicByHand(key);
  }
  return Status(Code::kInvalidArgument, ErrorString("public key check failed"));
}

// CheckPublicKey for a point on a prime-order curve (cofactor 1: P-256, P-384, P-521): on the curve and not at
// infinity. The full check also multiplies the point by the group order, which cofactor 1 makes redundant, and that
// multiplication was half of an ECDH derive (issue 7). Not for other curves.
inline Status CheckPrimeOrderCurvePoint(EVP_PKEY* key) {
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(LibCtx(), key, kPropQuery));
  int ok = ctx ? EVP_PKEY_public_check_quick(ctx.get()) : 0;
  if (ok == 1) return Status();
  if (ok == pkey_check_internal::kUnsupported) {
    ERR_clear_error();
    return CheckPublicKey(key);
  }
  return Status(Code::kInvalidArgument, ErrorString("EC point check failed"));
}

}  // namespace cf::ossl
