// The generic-secret and HMAC family: CKM_GENERIC_SECRET_KEY_GEN, CKM_SHA*_HMAC and _HMAC_GENERAL for SHA-1,
// SHA-2 and the 3.0 SHA-3 values. Keys are CKK_GENERIC_SECRET; MACs verify in constant time (mac_ops.cc).
#include <openssl/core_names.h>

#include "common/random.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/attribute_values.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/hash_table.h"
#include "pkcs11/mech/mac_ops.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

// Key sizes in bytes. HMAC accepts short keys (RFC 4231 uses 4 bytes); generation refuses below 14 bytes
// (112 bits, the NIST SP 800-131A floor) so the token never makes a weak key itself.
constexpr CK_ULONG kMinHmacKey = 1;
constexpr CK_ULONG kMinGeneratedKey = 14;
constexpr CK_ULONG kMaxKey = 512;

Result<KeyMaterial> GenerateGenericSecret(const CK_MECHANISM& m, const AttributeLookup& t) {
  CF_RETURN_IF_ERROR(NoParams(m, "CKM_GENERIC_SECRET_KEY_GEN"));
  CF_ASSIGN_OR_RETURN(std::optional<CK_ULONG> len, ReadUlong(t, CKA_VALUE_LEN));
  if (!len) return Rv(CKR_TEMPLATE_INCOMPLETE, "generic secret generation needs CKA_VALUE_LEN (bytes)");
  if (*len < kMinGeneratedKey || *len > kMaxKey) {
    return Rv(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN " + std::to_string(*len) + " outside " +
                                      std::to_string(kMinGeneratedKey) + ".." + std::to_string(kMaxKey));
  }
  CF_ASSIGN_OR_RETURN(SecureBytes value, RandomSecret(*len));
  return KeyMaterial{.object_class = CKO_SECRET_KEY,
                     .key_type = CKK_GENERIC_SECRET,
                     .secret = std::make_shared<const SecureBytes>(std::move(value))};
}

struct HmacRow {
  CK_MECHANISM_TYPE hmac, general, hash;
  const char *hmac_name, *general_name;
};

constexpr HmacRow kRows[] = {
    {CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, CKM_SHA_1, "CKM_SHA_1_HMAC", "CKM_SHA_1_HMAC_GENERAL"},
    {CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, CKM_SHA224, "CKM_SHA224_HMAC", "CKM_SHA224_HMAC_GENERAL"},
    {CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, CKM_SHA256, "CKM_SHA256_HMAC", "CKM_SHA256_HMAC_GENERAL"},
    {CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, CKM_SHA384, "CKM_SHA384_HMAC", "CKM_SHA384_HMAC_GENERAL"},
    {CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, CKM_SHA512, "CKM_SHA512_HMAC", "CKM_SHA512_HMAC_GENERAL"},
    {CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, CKM_SHA3_224, "CKM_SHA3_224_HMAC", "CKM_SHA3_224_HMAC_GENERAL"},
    {CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, CKM_SHA3_256, "CKM_SHA3_256_HMAC", "CKM_SHA3_256_HMAC_GENERAL"},
    {CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, CKM_SHA3_384, "CKM_SHA3_384_HMAC", "CKM_SHA3_384_HMAC_GENERAL"},
    {CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, CKM_SHA3_512, "CKM_SHA3_512_HMAC", "CKM_SHA3_512_HMAC_GENERAL"},
};

std::function<Result<std::unique_ptr<Operation>>(OpKind, const CK_MECHANISM&, const KeyMaterial*)> Hmac(
    const HashInfo* hash, const char* name, bool general) {
  return [hash, name, general](OpKind kind, const CK_MECHANISM& m,
                               const KeyMaterial* key) -> Result<std::unique_ptr<Operation>> {
    size_t out = hash->size;
    if (general) {
      CF_ASSIGN_OR_RETURN(out, GeneralMacLength(m, name, hash->size));
    } else {
      CF_RETURN_IF_ERROR(NoParams(m, name));
    }
    CF_ASSIGN_OR_RETURN(auto secret, SecretKeyFor(key, {CKK_GENERIC_SECRET}, name));
    return MakeMacOperation(kind, std::move(secret),
                            {.mac_name = "HMAC",
                             .param_name = OSSL_MAC_PARAM_DIGEST,
                             .param_value = hash->name,
                             .full_length = hash->size,
                             .output_length = out});
  };
}

}  // namespace

void RegisterHmac(Registry& registry) {
  registry.Add({.type = CKM_GENERIC_SECRET_KEY_GEN,
                .name = "CKM_GENERIC_SECRET_KEY_GEN",
                .info = {kMinGeneratedKey, kMaxKey, CKF_GENERATE},
                .key_types = {CKK_GENERIC_SECRET},
                .generate_key = GenerateGenericSecret});
  for (const HmacRow& r : kRows) {
    const HashInfo* hash = FindHashByMechanism(r.hash);
    if (hash == nullptr) continue;
    registry.Add({.type = r.hmac,
                  .name = r.hmac_name,
                  .info = {kMinHmacKey, kMaxKey, CKF_SIGN | CKF_VERIFY},
                  .key_types = {CKK_GENERIC_SECRET},
                  .create = Hmac(hash, r.hmac_name, false)});
    registry.Add({.type = r.general,
                  .name = r.general_name,
                  .info = {kMinHmacKey, kMaxKey, CKF_SIGN | CKF_VERIFY},
                  .key_types = {CKK_GENERIC_SECRET},
                  .create = Hmac(hash, r.general_name, true)});
  }
}

}  // namespace cf::p11
