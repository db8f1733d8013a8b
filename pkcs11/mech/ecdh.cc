// CKM_ECDH1_DERIVE on P-256/384/521: the peer's public point (raw uncompressed or DER OCTET STRING) is checked to
// be on the curve before use (an off-curve point would leak the private key), and the shared x-coordinate is
// returned with kdf CKD_NULL. The X9.63 KDFs (CKD_SHA*_KDF) are refused: their output length is the derived
// key's CKA_VALUE_LEN, which the derive hook of mechanism.h does not receive.
#include "common/ossl.h"
#include "pkcs11/mech/ec_curves.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

Result<SecureBytes> DeriveEcdh(const CK_MECHANISM& m, const KeyMaterial& base) {
  CF_ASSIGN_OR_RETURN(const CK_ECDH1_DERIVE_PARAMS* p,
                      ParamAs<CK_ECDH1_DERIVE_PARAMS>(m, "CKM_ECDH1_DERIVE", "CK_ECDH1_DERIVE_PARAMS"));
  if (p->kdf != CKD_NULL || p->ulSharedDataLen != 0) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "CKM_ECDH1_DERIVE: kdf " + std::to_string(p->kdf) +
                                               " with " + std::to_string(p->ulSharedDataLen) +
                                               " bytes of shared data; only CKD_NULL without shared data is "
                                               "supported");
  }
  if (p->pPublicData == nullptr || p->ulPublicDataLen == 0) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "CKM_ECDH1_DERIVE: no peer public point");
  }
  CF_ASSIGN_OR_RETURN(auto pkey, AsymmetricKeyFor(&base, CKK_EC, OpKind::kDerive, "CKM_ECDH1_DERIVE"));
  const CurveInfo* curve = CurveOfKey(pkey.get());
  if (curve == nullptr) return Rv(CKR_KEY_TYPE_INCONSISTENT, "CKM_ECDH1_DERIVE: key not on P-256/384/521");
  Result<Bytes> point = UnwrapEcPoint(ByteView(p->pPublicData, p->ulPublicDataLen), *curve);
  if (!point.ok()) return Rv(CKR_MECHANISM_PARAM_INVALID, point.status().message());
  Result<ossl::PKey> peer = MakeCurveKey(*curve, *point, nullptr);
  if (!peer.ok()) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, std::string("peer point is not a valid ") + curve->name + " point");
  }
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  SecureBytes secret(curve->field_bytes);
  size_t len = secret.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer->get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    return ossl::Error("ECDH derivation");
  }
  secret.resize(len);
  return secret;
}

}  // namespace

void RegisterEcdh(Registry& registry) {
  registry.Add({.type = CKM_ECDH1_DERIVE, .name = "CKM_ECDH1_DERIVE",
                .info = {256, 521, CKF_DERIVE | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS},
                .key_types = {CKK_EC}, .derive = DeriveEcdh});
}

}  // namespace cf::p11
