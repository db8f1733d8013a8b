// The EdDSA family: CKM_EC_EDWARDS_KEY_PAIR_GEN (Ed25519 / Ed448 chosen by CKA_EC_PARAMS: DER OID or the 3.0
// printable name) and CKM_EDDSA, single-part (pure EdDSA hashes the whole message twice, no streaming).
// CK_EDDSA_PARAMS with phFlag or a context is refused: OpenSSL 3.0 offers neither Ed25519ph/ctx nor an Ed448
// context (3.2 does), and signing something else than asked would be worse than refusing.
#include "common/ossl_context.h"
#include "pkcs11/mech/ec_curves.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/param_checks.h"
#include "pkcs11/mech/pkey_ops.h"

namespace cf::p11 {
namespace {

// Messages above this are refused with CKR_DATA_LEN_RANGE: the whole message is buffered in the session.
constexpr size_t kMaxMessage = 64 * 1024 * 1024;

Result<GeneratedKeyPair> GenerateEdwards(const CK_MECHANISM& m, const AttributeLookup& pub, const AttributeLookup&) {
  CF_RETURN_IF_ERROR(NoParams(m, "CKM_EC_EDWARDS_KEY_PAIR_GEN"));
  std::optional<ByteView> params = pub(CKA_EC_PARAMS);
  if (!params) return Rv(CKR_TEMPLATE_INCOMPLETE, "EdDSA key generation needs CKA_EC_PARAMS in the public template");
  const CurveInfo* curve = FindCurveByParams(*params, CKK_EC_EDWARDS);
  if (curve == nullptr) {
    return Rv(CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS " + HexEncode(*params) +
                                           " names neither Ed25519 nor Ed448 (OID 1.3.101.112/113 or "
                                           "PrintableString edwards25519/edwards448)");
  }
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(ossl::LibCtx(), ossl::kPropQuery, curve->ossl_name);
  if (raw == nullptr) return ossl::Error(std::string("generating an ") + curve->name + " key pair");
  std::shared_ptr<EVP_PKEY> priv = SharePKey(ossl::PKey(raw));
  CF_ASSIGN_OR_RETURN(std::shared_ptr<EVP_PKEY> public_only, PublicOnlyCopy(priv.get()));
  return GeneratedKeyPair{
      .public_key = {.object_class = CKO_PUBLIC_KEY,
                     .key_type = CKK_EC_EDWARDS,
                     .pkey = std::move(public_only),
                     .curve = curve},
      .private_key = {
          .object_class = CKO_PRIVATE_KEY, .key_type = CKK_EC_EDWARDS, .pkey = std::move(priv), .curve = curve}};
}

Result<std::unique_ptr<Operation>> CreateEddsa(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) {
  if (kind != OpKind::kSign && kind != OpKind::kVerify) return Rv(CKR_MECHANISM_INVALID, "EdDSA only signs");
  if (m.pParameter != nullptr && m.ulParameterLen != 0) {
    CF_ASSIGN_OR_RETURN(const CfEddsaParams* p, ParamAs<CfEddsaParams>(m, "CKM_EDDSA", "CK_EDDSA_PARAMS"));
    if (p->phFlag != CK_FALSE || p->ulContextDataLen != 0) {
      return Rv(CKR_MECHANISM_PARAM_INVALID,
                "CKM_EDDSA: prehash (phFlag) and context strings are not supported "
                "(OpenSSL 3.0); use pure EdDSA without CK_EDDSA_PARAMS");
    }
  }
  CF_ASSIGN_OR_RETURN(auto pkey, AsymmetricKeyFor(key, CKK_EC_EDWARDS, kind, "CKM_EDDSA"));
  const CurveInfo* curve = key->curve != nullptr ? key->curve : CurveOfKey(pkey.get());
  if (curve == nullptr) return Rv(CKR_KEY_TYPE_INCONSISTENT, "CKM_EDDSA: key is neither Ed25519 nor Ed448");
  return MakeSignOperation(
      kind, pkey,
      {.mode = SignMode::kOneShotMessage, .max_input = kMaxMessage, .signature_len = curve->signature_bytes});
}

}  // namespace

void RegisterEddsa(Registry& registry) {
  registry.Add({.type = CKM_EC_EDWARDS_KEY_PAIR_GEN,
                .name = "CKM_EC_EDWARDS_KEY_PAIR_GEN",
                .info = {255, 448, CKF_GENERATE_KEY_PAIR | CKF_EC_NAMEDCURVE},
                .key_types = {CKK_EC_EDWARDS},
                .generate_key_pair = GenerateEdwards});
  registry.Add({.type = CKM_EDDSA,
                .name = "CKM_EDDSA",
                .info = {255, 448, CKF_SIGN | CKF_VERIFY},
                .key_types = {CKK_EC_EDWARDS},
                .create = CreateEddsa});
}

}  // namespace cf::p11
