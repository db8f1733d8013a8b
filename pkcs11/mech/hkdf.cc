// HKDF (RFC 5869; PKCS#11 3.0 Current Mechanisms section 2.43): CKM_HKDF_DERIVE makes a secret key,
// CKM_HKDF_DATA a data object, both from a CKK_HKDF or CKK_GENERIC_SECRET base key with a CK_HKDF_PARAMS that asks
// for extract, expand or both over any hash of hash_table (SHA-1, SHA-2, SHA-3). CKM_HKDF_KEY_GEN makes CKK_HKDF
// keys. pkcs11-provider (OpenSSL 3) registers its HKDF key management whatever the token offers, but its HKDF KDF
// and exchange only when the token lists CKM_HKDF_DERIVE: without these rows, EVP_PKEY_HKDF fails under
// `default_properties = ?provider=pkcs11`. The computation is OpenSSL's HKDF in the module's own library context.
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <string>

#include "common/ossl.h"
#include "common/ossl_context.h"
#include "common/random.h"
#include "pkcs11/mech/attribute_values.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/hash_table.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

// RFC 5869 section 2.3: L <= 255 * HashLen.
constexpr CK_ULONG kMaxExpandBlocks = 255;
// OpenSSL's HKDF keeps the info in a 1024-byte buffer (HKDF_MAXINFO); a longer one is the parameter's fault and
// must not come back as CKR_GENERAL_ERROR.
constexpr CK_ULONG kMaxInfo = 1024;
// Generated CKK_HKDF keys: the same floor and ceiling as generic secrets (hmac.cc).
constexpr CK_ULONG kMinGeneratedKey = 14;
constexpr CK_ULONG kMaxKey = 512;

Status ParamInvalid(const char* mechanism_name, const std::string& why) {
  return Rv(CKR_MECHANISM_PARAM_INVALID, std::string(mechanism_name) + ": " + why);
}

// The salt of the extract step: empty for CKF_HKDF_SALT_NULL (HMAC pads an empty key with zeros, which is RFC 5869's
// "HashLen zeros"), the caller's bytes, or the value of the secret key hSaltKey.
Result<SecureBytes> SaltOf(const CfHkdfParams& p, const DeriveContext& ctx, const char* name) {
  switch (p.ulSaltType) {
    case CKF_HKDF_SALT_NULL:
      return SecureBytes();
    case CKF_HKDF_SALT_DATA:
      // A zero-length salt is the same as no salt (RFC 5869 2.2); pkcs11-provider sends one for an empty salt.
      if (p.ulSaltLen != 0 && p.pSalt == nullptr) {
        return ParamInvalid(
            name, "ulSaltType CKF_HKDF_SALT_DATA with pSalt null and ulSaltLen " + std::to_string(p.ulSaltLen));
      }
      return SecureBytes(p.pSalt, p.pSalt + p.ulSaltLen);
    case CKF_HKDF_SALT_KEY: {
      if (!ctx.other_key) return ParamInvalid(name, "hSaltKey cannot be resolved here");
      CF_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> salt_key, ctx.other_key(p.hSaltKey));
      if (salt_key->object_class != CKO_SECRET_KEY || salt_key->secret == nullptr ||
          (salt_key->key_type != CKK_HKDF && salt_key->key_type != CKK_GENERIC_SECRET)) {
        return ParamInvalid(
            name, "hSaltKey " + std::to_string(p.hSaltKey) + " is not a CKK_HKDF or CKK_GENERIC_SECRET secret key");
      }
      return *salt_key->secret;
    }
    default:
      return ParamInvalid(name, "ulSaltType " + std::to_string(p.ulSaltType) +
                                    " is not CKF_HKDF_SALT_NULL, CKF_HKDF_SALT_DATA or CKF_HKDF_SALT_KEY");
  }
}

Result<SecureBytes> RunHkdf(int mode, const HashInfo& hash, const SecureBytes& key, const SecureBytes& salt,
                            ByteView info, size_t out_len) {
  ossl::Kdf kdf(EVP_KDF_fetch(ossl::LibCtx(), "HKDF", ossl::kPropQuery));
  ossl::KdfCtx ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  OSSL_PARAM params[6];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(hash.name), 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data()), key.size());
  if (!salt.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size());
  }
  if (!info.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info.data()), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  SecureBytes out(out_len);  // wiped on release like every SecureBytes; OpenSSL cleanses its own PRK
  if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return ossl::Error(std::string("HKDF with ") + hash.name);
  }
  return out;
}

Result<SecureBytes> DeriveHkdf(const char* name, const CK_MECHANISM& m, const KeyMaterial& base,
                               const DeriveContext& ctx) {
  CF_ASSIGN_OR_RETURN(const CfHkdfParams* p, ParamAs<CfHkdfParams>(m, name, "CK_HKDF_PARAMS"));
  const bool extract = p->bExtract != CK_FALSE;
  const bool expand = p->bExpand != CK_FALSE;
  if (!extract && !expand) return ParamInvalid(name, "bExtract and bExpand are both CK_FALSE");
  const HashInfo* hash = FindHashByMechanism(p->prfHashMechanism);
  if (hash == nullptr || hash->Md() == nullptr) {
    return ParamInvalid(name, "prfHashMechanism " + std::to_string(p->prfHashMechanism) +
                                  " is not a supported hash (CKM_SHA_1, CKM_SHA224/256/384/512, CKM_SHA3_*)");
  }
  // The salt fields count only for extract, pInfo only for expand (section 2.43.2).
  ByteView info;
  if (expand) {
    if (p->ulInfoLen != 0 && p->pInfo == nullptr) {
      return ParamInvalid(name, "pInfo null with ulInfoLen " + std::to_string(p->ulInfoLen));
    }
    if (p->ulInfoLen > kMaxInfo) {
      return ParamInvalid(name, "ulInfoLen " + std::to_string(p->ulInfoLen) + " exceeds " + std::to_string(kMaxInfo));
    }
    if (p->ulInfoLen != 0) info = ByteView(p->pInfo, p->ulInfoLen);
  }
  CF_ASSIGN_OR_RETURN(std::shared_ptr<const SecureBytes> key,
                      SecretKeyFor(&base, {CKK_HKDF, CKK_GENERIC_SECRET}, name));
  SecureBytes salt;
  if (extract) {
    CF_ASSIGN_OR_RETURN(salt, SaltOf(*p, ctx, name));
  }
  // Extract alone gives the PRK (HashLen bytes; the model cuts it to a shorter CKA_VALUE_LEN). Expand needs the
  // length up front: its output is prefix-stable, but a longer one costs more HMACs and has a ceiling.
  size_t out_len = hash->size;
  if (expand) {
    if (!ctx.value_len) {
      return Rv(CKR_TEMPLATE_INCOMPLETE, std::string(name) + " with bExpand needs CKA_VALUE_LEN in the template");
    }
    if (*ctx.value_len == 0 || *ctx.value_len > kMaxExpandBlocks * hash->size) {
      return Rv(CKR_TEMPLATE_INCONSISTENT, std::string(name) + ": CKA_VALUE_LEN " + std::to_string(*ctx.value_len) +
                                               " outside 1.." + std::to_string(kMaxExpandBlocks * hash->size) +
                                               " (255 x " + hash->ck_name + " output)");
    }
    out_len = *ctx.value_len;
  }
  int mode = extract && expand ? EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND
             : extract         ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY
                               : EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  return RunHkdf(mode, *hash, *key, salt, info, out_len);
}

Result<KeyMaterial> GenerateHkdfKey(const CK_MECHANISM& m, const AttributeLookup& t) {
  CF_RETURN_IF_ERROR(NoParams(m, "CKM_HKDF_KEY_GEN"));
  CF_ASSIGN_OR_RETURN(std::optional<CK_ULONG> len, ReadUlong(t, CKA_VALUE_LEN));
  if (!len) return Rv(CKR_TEMPLATE_INCOMPLETE, "CKM_HKDF_KEY_GEN needs CKA_VALUE_LEN (bytes)");
  if (*len < kMinGeneratedKey || *len > kMaxKey) {
    return Rv(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN " + std::to_string(*len) + " outside " +
                                      std::to_string(kMinGeneratedKey) + ".." + std::to_string(kMaxKey));
  }
  CF_ASSIGN_OR_RETURN(SecureBytes value, RandomSecret(*len));
  return KeyMaterial{.object_class = CKO_SECRET_KEY,
                     .key_type = CKK_HKDF,
                     .secret = std::make_shared<const SecureBytes>(std::move(value))};
}

}  // namespace

void RegisterHkdf(Registry& registry) {
  // Key sizes are the base key's, in bytes (any length HMAC takes; the ceiling is the token's secret-key limit).
  registry.Add({.type = CKM_HKDF_DERIVE,
                .name = "CKM_HKDF_DERIVE",
                .info = {1, kMaxKey, CKF_DERIVE},
                .key_types = {CKK_HKDF, CKK_GENERIC_SECRET},
                .derive = [](const CK_MECHANISM& m, const KeyMaterial& base, const DeriveContext& ctx) {
                  return DeriveHkdf("CKM_HKDF_DERIVE", m, base, ctx);
                }});
  registry.Add({.type = CKM_HKDF_DATA,
                .name = "CKM_HKDF_DATA",
                .info = {1, kMaxKey, CKF_DERIVE},
                .key_types = {CKK_HKDF, CKK_GENERIC_SECRET},
                .derive = [](const CK_MECHANISM& m, const KeyMaterial& base,
                             const DeriveContext& ctx) { return DeriveHkdf("CKM_HKDF_DATA", m, base, ctx); },
                .derive_class = CKO_DATA});
  registry.Add({.type = CKM_HKDF_KEY_GEN,
                .name = "CKM_HKDF_KEY_GEN",
                .info = {kMinGeneratedKey, kMaxKey, CKF_GENERATE},
                .key_types = {CKK_HKDF},
                .generate_key = GenerateHkdfKey});
}

}  // namespace cf::p11
