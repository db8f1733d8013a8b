// CKM_ECDH1_DERIVE on P-256/384/521: the peer's public point (raw uncompressed or DER OCTET STRING) is checked to
// be on the curve before use (an off-curve point would leak the private key). kdf CKD_NULL returns the shared
// x-coordinate; CKD_SHA*_KDF (ANSI X9.63) returns kKdfOutput bytes: X9.63 output is a prefix-stable stream of
// hash blocks, so the model cutting it to the derived key's CKA_VALUE_LEN gives exactly the X9.63 output of that
// length (the derive hook does not receive the length itself).
#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "common/ossl.h"
#include "common/ossl_context.h"
#include "pkcs11/mech/ec_curves.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

constexpr size_t kKdfOutput = 64;  // covers AES-256 and HMAC-SHA-512 keys
// OpenSSL's X9.63 KDF refuses inputs over 2^30 bytes (SSKDF_MAX_INLEN); a longer shared data is the parameter's
// fault and must not come back as CKR_GENERAL_ERROR.
constexpr CK_ULONG kMaxSharedData = CK_ULONG{1} << 30;

// CKD_SHA*_KDF -> the OpenSSL digest name of X963KDF; nullptr for CKD_NULL or unknown values.
const char* KdfDigest(CK_ULONG kdf) {
  static constexpr struct {
    CK_ULONG kdf;
    const char* digest;
  } kKdfs[] = {{CKD_SHA1_KDF, "SHA1"},
               {CKD_SHA224_KDF, "SHA2-224"},
               {CKD_SHA256_KDF, "SHA2-256"},
               {CKD_SHA384_KDF, "SHA2-384"},
               {CKD_SHA512_KDF, "SHA2-512"}};
  for (const auto& k : kKdfs) {
    if (k.kdf == kdf) return k.digest;
  }
  return nullptr;
}

Result<SecureBytes> X963Kdf(const char* digest, const SecureBytes& z, ByteView shared_info) {
  ossl::Kdf kdf(EVP_KDF_fetch(ossl::LibCtx(), "X963KDF", ossl::kPropQuery));
  ossl::KdfCtx ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(z.data()), z.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(shared_info.data()),
                                        shared_info.size()),
      OSSL_PARAM_construct_end()};
  SecureBytes out(kKdfOutput);
  if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return ossl::Error(std::string("X9.63 KDF with ") + digest);
  }
  return out;
}

Result<SecureBytes> DeriveEcdh(const CK_MECHANISM& m, const KeyMaterial& base, const DeriveContext&) {
  CF_ASSIGN_OR_RETURN(const CK_ECDH1_DERIVE_PARAMS* p,
                      ParamAs<CK_ECDH1_DERIVE_PARAMS>(m, "CKM_ECDH1_DERIVE", "CK_ECDH1_DERIVE_PARAMS"));
  const char* kdf_digest = KdfDigest(p->kdf);
  if ((p->kdf != CKD_NULL && kdf_digest == nullptr) || (p->kdf == CKD_NULL && p->ulSharedDataLen != 0) ||
      (p->ulSharedDataLen != 0 && p->pSharedData == nullptr) || p->ulSharedDataLen > kMaxSharedData) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "CKM_ECDH1_DERIVE: kdf " + std::to_string(p->kdf) + " with " +
                                               std::to_string(p->ulSharedDataLen) +
                                               " bytes of shared data; supported: CKD_NULL without shared data, "
                                               "CKD_SHA1/224/256/384/512_KDF");
  }
  if (p->pPublicData == nullptr || p->ulPublicDataLen == 0) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "CKM_ECDH1_DERIVE: no peer public point");
  }
  CF_ASSIGN_OR_RETURN(auto pkey, AsymmetricKeyFor(&base, CKK_EC, OpKind::kDerive, "CKM_ECDH1_DERIVE"));
  const CurveInfo* curve = base.curve != nullptr ? base.curve : CurveOfKey(pkey.get());
  if (curve == nullptr) return Rv(CKR_KEY_TYPE_INCONSISTENT, "CKM_ECDH1_DERIVE: key not on P-256/384/521");
  Result<Bytes> point = UnwrapEcPoint(ByteView(p->pPublicData, p->ulPublicDataLen), *curve);
  if (!point.ok()) return Rv(CKR_MECHANISM_PARAM_INVALID, point.status().message());
  Result<ossl::PKey> peer = MakeCurveKey(*curve, *point, nullptr);
  if (!peer.ok()) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, std::string("peer point is not a valid ") + curve->name + " point");
  }
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(ossl::LibCtx(), pkey.get(), ossl::kPropQuery));
  SecureBytes secret(curve->field_bytes);
  size_t len = secret.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer->get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    return ossl::Error("ECDH derivation");
  }
  secret.resize(len);
  if (kdf_digest == nullptr) return secret;
  return X963Kdf(kdf_digest, secret, ByteView(p->pSharedData, p->ulSharedDataLen));
}

}  // namespace

void RegisterEcdh(Registry& registry) {
  registry.Add({.type = CKM_ECDH1_DERIVE,
                .name = "CKM_ECDH1_DERIVE",
                .info = {256, 521, CKF_DERIVE | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS},
                .key_types = {CKK_EC},
                .derive = DeriveEcdh});
}

}  // namespace cf::p11
