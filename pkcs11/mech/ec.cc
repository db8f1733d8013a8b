// The EC family on P-256/P-384/P-521: CKM_EC_KEY_PAIR_GEN from a DER named-curve CKA_EC_PARAMS, CKM_ECDSA over
// a caller's hash (raw r||s out, each half padded to the field size) and the multi-part CKM_ECDSA_SHA* rows.
#include "common/pkey_generate.h"
#include "pkcs11/mech/ec_curves.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/hash_table.h"
#include "pkcs11/mech/param_checks.h"
#include "pkcs11/mech/pkey_ops.h"

namespace cf::p11 {
namespace {

constexpr CK_FLAGS kEcFlags = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
// ECDSA's input is a hash; OpenSSL truncates it to the order's length (FIPS 186-4 6.4). Longer than any hash
// plus slack is a caller mistake.
constexpr size_t kMaxEcdsaInput = 1024;

Result<GeneratedKeyPair> GenerateEc(const CK_MECHANISM& m, const AttributeLookup& pub, const AttributeLookup&) {
  CF_RETURN_IF_ERROR(NoParams(m, "CKM_EC_KEY_PAIR_GEN"));
  std::optional<ByteView> params = pub(CKA_EC_PARAMS);
  if (!params) return Rv(CKR_TEMPLATE_INCOMPLETE, "EC key generation needs CKA_EC_PARAMS in the public template");
  const CurveInfo* curve = FindCurveByParams(*params, CKK_EC);
  if (curve == nullptr) {
    return Rv(CKR_CURVE_NOT_SUPPORTED,
              "CKA_EC_PARAMS " + HexEncode(*params) + " is not the DER OID of P-256, P-384 or P-521");
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey generated, ossl::GenerateEcKey(curve->ossl_name));
  std::shared_ptr<EVP_PKEY> priv = SharePKey(std::move(generated));
  CF_ASSIGN_OR_RETURN(std::shared_ptr<EVP_PKEY> public_only, PublicOnlyCopy(priv.get()));
  return GeneratedKeyPair{
      .public_key = {.object_class = CKO_PUBLIC_KEY,
                     .key_type = CKK_EC,
                     .pkey = std::move(public_only),
                     .curve = curve},
      .private_key = {.object_class = CKO_PRIVATE_KEY, .key_type = CKK_EC, .pkey = std::move(priv), .curve = curve}};
}

Result<std::pair<std::shared_ptr<EVP_PKEY>, const CurveInfo*>> EcKey(const KeyMaterial* key, OpKind kind,
                                                                     const char* name) {
  if (kind != OpKind::kSign && kind != OpKind::kVerify) return Rv(CKR_MECHANISM_INVALID, "ECDSA only signs");
  CF_ASSIGN_OR_RETURN(auto pkey, AsymmetricKeyFor(key, CKK_EC, kind, name));
  const CurveInfo* curve = key->curve != nullptr ? key->curve : CurveOfKey(pkey.get());
  if (curve == nullptr) return Rv(CKR_KEY_SIZE_RANGE, std::string(name) + ": key is not on P-256/384/521");
  return std::make_pair(std::move(pkey), curve);
}

Result<std::unique_ptr<Operation>> CreateEcdsa(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) {
  CF_RETURN_IF_ERROR(NoParams(m, "CKM_ECDSA"));
  CF_ASSIGN_OR_RETURN(auto k, EcKey(key, kind, "CKM_ECDSA"));
  return MakeSignOperation(kind, k.first,
                           {.mode = SignMode::kRaw,
                            .min_input = 1,
                            .max_input = kMaxEcdsaInput,
                            .signature_len = k.second->signature_bytes,
                            .ecdsa_raw_signature = true});
}

std::function<Result<std::unique_ptr<Operation>>(OpKind, const CK_MECHANISM&, const KeyMaterial*)> EcdsaWithHash(
    CK_MECHANISM_TYPE hash_mechanism, const char* name) {
  return [hash_mechanism, name](OpKind kind, const CK_MECHANISM& m,
                                const KeyMaterial* key) -> Result<std::unique_ptr<Operation>> {
    CF_RETURN_IF_ERROR(NoParams(m, name));
    CF_ASSIGN_OR_RETURN(auto k, EcKey(key, kind, name));
    const HashInfo* hash = FindHashByMechanism(hash_mechanism);
    if (hash == nullptr) return Status(Code::kInternal, std::string(name) + ": hash not available in OpenSSL");
    return MakeSignOperation(kind, k.first,
                             {.mode = SignMode::kDigestThenSign,
                              .md = hash->Md(),
                              .signature_len = k.second->signature_bytes,
                              .ecdsa_raw_signature = true});
  };
}

}  // namespace

void RegisterEc(Registry& registry) {
  registry.Add({.type = CKM_EC_KEY_PAIR_GEN,
                .name = "CKM_EC_KEY_PAIR_GEN",
                .info = {256, 521, CKF_GENERATE_KEY_PAIR | kEcFlags},
                .key_types = {CKK_EC},
                .generate_key_pair = GenerateEc});
  registry.Add({.type = CKM_ECDSA,
                .name = "CKM_ECDSA",
                .info = {256, 521, CKF_SIGN | CKF_VERIFY | kEcFlags},
                .key_types = {CKK_EC},
                .create = CreateEcdsa});
  struct HashRow {
    CK_MECHANISM_TYPE type, hash;
    const char* name;
  };
  static constexpr HashRow kRows[] = {
      {CKM_ECDSA_SHA1, CKM_SHA_1, "CKM_ECDSA_SHA1"},      {CKM_ECDSA_SHA224, CKM_SHA224, "CKM_ECDSA_SHA224"},
      {CKM_ECDSA_SHA256, CKM_SHA256, "CKM_ECDSA_SHA256"}, {CKM_ECDSA_SHA384, CKM_SHA384, "CKM_ECDSA_SHA384"},
      {CKM_ECDSA_SHA512, CKM_SHA512, "CKM_ECDSA_SHA512"},
  };
  for (const HashRow& r : kRows) {
    registry.Add({.type = r.type,
                  .name = r.name,
                  .info = {256, 521, CKF_SIGN | CKF_VERIFY | kEcFlags},
                  .key_types = {CKK_EC},
                  .create = EcdsaWithHash(r.hash, r.name)});
  }
}

}  // namespace cf::p11
