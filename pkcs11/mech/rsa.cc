// The RSA family: key pair generation, CKM_RSA_PKCS (raw DigestInfo signing as OpenSSH does, PKCS#1 v1.5
// encryption), PSS on a pre-hashed input, OAEP, and the hash-then-sign CKM_SHA*_RSA_PKCS(_PSS) rows.
// CKM_RSA_X_509 is deliberately absent: raw RSA decryption is a padding oracle for any padding a caller uses.
// PKCS#1 v1.5 decryption is a padding oracle (CKR_OK vs CKR_ENCRYPTED_DATA_INVALID): its row flags it, and a token
// offers it only when configured to (model/token.cc). Then implicit rejection is asked of OpenSSL where it has it
// (3.2+); 3.0 has not, which is warned once.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "common/log.h"
#include "common/pkey_check.h"
#include "common/pkey_generate.h"
#include "pkcs11/mech/attribute_values.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/hash_table.h"
#include "pkcs11/mech/param_checks.h"
#include "pkcs11/mech/pkey_ops.h"

namespace cf::p11 {
namespace {

constexpr CK_ULONG kMinBits = 1024;
constexpr CK_ULONG kMaxBits = 16384;

Result<std::shared_ptr<EVP_PKEY>> RsaKey(const KeyMaterial* key, OpKind kind, const char* name) {
  CF_ASSIGN_OR_RETURN(auto pkey, AsymmetricKeyFor(key, CKK_RSA, kind, name));
  int bits = EVP_PKEY_get_bits(pkey.get());
  if (bits < static_cast<int>(kMinBits) || bits > static_cast<int>(kMaxBits)) {
    return Rv(CKR_KEY_SIZE_RANGE, std::string(name) + ": RSA key of " + std::to_string(bits) + " bits, supported " +
                                      std::to_string(kMinBits) + ".." + std::to_string(kMaxBits));
  }
  return pkey;
}

size_t ModulusBytes(const EVP_PKEY* pkey) { return static_cast<size_t>(EVP_PKEY_get_size(pkey)); }

std::function<Status(EVP_PKEY_CTX*)> Pkcs1Padding() {
  return [](EVP_PKEY_CTX* ctx) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) return ossl::Error("setting PKCS#1 padding");
    return Status::Ok();
  };
}

// CK_RSA_PKCS_PSS_PARAMS: hash and MGF must be hashes we know; sLen must fit the modulus. When the mechanism
// hashes itself (CKM_SHA256_RSA_PKCS_PSS), hashAlg must name that same hash (PKCS#11 2.40 section 2.1.15).
Result<std::function<Status(EVP_PKEY_CTX*)>> PssPadding(const CK_MECHANISM& m, const char* name, const EVP_PKEY* pkey,
                                                        const HashInfo* required_hash, const HashInfo** hash_out) {
  CF_ASSIGN_OR_RETURN(const CK_RSA_PKCS_PSS_PARAMS* p,
                      ParamAs<CK_RSA_PKCS_PSS_PARAMS>(m, name, "CK_RSA_PKCS_PSS_PARAMS"));
  const HashInfo* hash = FindHashByMechanism(p->hashAlg);
  const HashInfo* mgf = FindHashByMgf(p->mgf);
  if (hash == nullptr || mgf == nullptr || (required_hash != nullptr && hash != required_hash)) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, std::string(name) + ": hashAlg 0x" + std::to_string(p->hashAlg) + " / mgf " +
                                               std::to_string(p->mgf) + " unsupported or not the mechanism's hash");
  }
  size_t k = ModulusBytes(pkey);
  // EMSA-PSS: emLen = ceil((modBits-1)/8) >= hLen + sLen + 2.
  size_t em_len = (static_cast<size_t>(EVP_PKEY_get_bits(pkey)) - 1 + 7) / 8;
  if (p->sLen > em_len || em_len - p->sLen < hash->size + 2) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, std::string(name) + ": sLen " + std::to_string(p->sLen) +
                                               " too long for a " + std::to_string(k) + "-byte modulus");
  }
  *hash_out = hash;
  int salt = static_cast<int>(p->sLen);
  const EVP_MD* md = hash->Md();
  const EVP_MD* mgf_md = mgf->Md();
  return std::function<Status(EVP_PKEY_CTX*)>([md, mgf_md, salt](EVP_PKEY_CTX* ctx) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, md) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mgf_md) != 1 || EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt) != 1) {
      return ossl::Error("setting PSS parameters");
    }
    return Status::Ok();
  });
}

Result<GeneratedKeyPair> GenerateRsa(const CK_MECHANISM& m, const AttributeLookup& pub, const AttributeLookup&) {
  CF_RETURN_IF_ERROR(NoParams(m, "CKM_RSA_PKCS_KEY_PAIR_GEN"));
  CF_ASSIGN_OR_RETURN(std::optional<CK_ULONG> bits, ReadUlong(pub, CKA_MODULUS_BITS));
  if (!bits) return Rv(CKR_TEMPLATE_INCOMPLETE, "RSA key generation needs CKA_MODULUS_BITS in the public template");
  if (*bits < kMinBits || *bits > kMaxBits) {
    return Rv(CKR_KEY_SIZE_RANGE, "CKA_MODULUS_BITS " + std::to_string(*bits) + " outside " + std::to_string(kMinBits) +
                                      ".." + std::to_string(kMaxBits));
  }
  CF_ASSIGN_OR_RETURN(std::optional<ossl::Bn> e, ReadBignum(pub, CKA_PUBLIC_EXPONENT));
  ossl::Bn exponent = e ? std::move(*e) : ossl::Bn(BN_new());
  if (!e && (!exponent || BN_set_word(exponent.get(), RSA_F4) != 1)) return ossl::Error("setting exponent 65537");
  // Odd, at least 3, at most 64 bits: what OpenSSL and every client handle.
  if (!BN_is_odd(exponent.get()) || BN_num_bits(exponent.get()) < 2 || BN_num_bits(exponent.get()) > 64) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID,
              "CKA_PUBLIC_EXPONENT must be odd, >= 3 and at most 64 bits (65537 is "
              "the usual value)");
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey generated, ossl::GenerateRsaKey(static_cast<unsigned>(*bits), exponent.get()));
  std::shared_ptr<EVP_PKEY> priv = SharePKey(std::move(generated));
  CF_ASSIGN_OR_RETURN(std::shared_ptr<EVP_PKEY> public_only, PublicOnlyCopy(priv.get()));
  return GeneratedKeyPair{
      .public_key = {.object_class = CKO_PUBLIC_KEY, .key_type = CKK_RSA, .pkey = std::move(public_only)},
      .private_key = {.object_class = CKO_PRIVATE_KEY, .key_type = CKK_RSA, .pkey = std::move(priv)}};
}

// OpenSSL 3.2+: a malformed PKCS#1 v1.5 block decrypts to a key-derived pseudo-random message instead of an
// error, so the answer no longer tells the caller about the padding. The name is spelled out: 3.0's headers lack
// OSSL_ASYM_CIPHER_PARAM_IMPLICIT_REJECTION.
constexpr char kImplicitRejection[] = "implicit-rejection";

std::function<Status(EVP_PKEY_CTX*)> Pkcs1DecryptPadding() {
  return [](EVP_PKEY_CTX* ctx) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) return ossl::Error("setting PKCS#1 padding");
    // Probed once at run time: the library loaded may be newer than the one we were built against.
    static const bool available = [ctx] {
      bool settable = OSSL_PARAM_locate_const(EVP_PKEY_CTX_settable_params(ctx), kImplicitRejection) != nullptr;
      if (!settable) {
        log::Warning(std::string("cf-pkcs11: CKM_RSA_PKCS decryption is enabled (allow_rsa_pkcs1_v15_decrypt) but ") +
                     OpenSSL_version(OPENSSL_VERSION) +
                     " has no implicit rejection: it is a Bleichenbacher padding oracle for whoever can submit "
                     "ciphertexts. Prefer CKM_RSA_PKCS_OAEP, or OpenSSL 3.2+");
      }
      return settable;
    }();
    if (available) {
      unsigned int on = 1;
      OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(kImplicitRejection, &on), OSSL_PARAM_construct_end()};
      if (EVP_PKEY_CTX_set_params(ctx, params) != 1) return ossl::Error("requesting implicit rejection");
    }
    return Status::Ok();
  };
}

Result<std::unique_ptr<Operation>> CreateRsaPkcs(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) {
  const char* name = "CKM_RSA_PKCS";
  CF_RETURN_IF_ERROR(NoParams(m, name));
  CF_ASSIGN_OR_RETURN(auto pkey, RsaKey(key, kind, name));
  size_t k = ModulusBytes(pkey.get());
  if (kind == OpKind::kSign || kind == OpKind::kVerify) {
    // The input is the caller's DigestInfo (or any data up to k-11 bytes): EMSA-PKCS1-v1_5 without hashing.
    return MakeSignOperation(
        kind, pkey, {.mode = SignMode::kRaw, .configure = Pkcs1Padding(), .max_input = k - 11, .signature_len = k});
  }
  if (kind == OpKind::kEncrypt || kind == OpKind::kWrap) {
    return MakePkeyCipherOperation(kind, pkey,
                                   {.configure = Pkcs1Padding(), .max_plaintext = k - 11, .modulus_len = k});
  }
  if (kind == OpKind::kDecrypt || kind == OpKind::kUnwrap) {
    return MakePkeyCipherOperation(kind, pkey,
                                   {.configure = Pkcs1DecryptPadding(), .max_plaintext = k - 11, .modulus_len = k});
  }
  return Rv(CKR_MECHANISM_INVALID, "CKM_RSA_PKCS does not support this operation");
}

Result<std::unique_ptr<Operation>> CreateRsaPss(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) {
  const char* name = "CKM_RSA_PKCS_PSS";
  if (kind != OpKind::kSign && kind != OpKind::kVerify) return Rv(CKR_MECHANISM_INVALID, "PSS only signs");
  CF_ASSIGN_OR_RETURN(auto pkey, RsaKey(key, kind, name));
  const HashInfo* hash = nullptr;
  CF_ASSIGN_OR_RETURN(auto configure, PssPadding(m, name, pkey.get(), nullptr, &hash));
  // The input is the hash itself, exactly hLen bytes.
  return MakeSignOperation(kind, pkey,
                           {.mode = SignMode::kRaw,
                            .configure = std::move(configure),
                            .min_input = hash->size,
                            .max_input = hash->size,
                            .signature_len = ModulusBytes(pkey.get())});
}

std::function<Result<std::unique_ptr<Operation>>(OpKind, const CK_MECHANISM&, const KeyMaterial*)> HashThenSign(
    CK_MECHANISM_TYPE hash_mechanism, const char* name, bool pss) {
  return [hash_mechanism, name, pss](OpKind kind, const CK_MECHANISM& m,
                                     const KeyMaterial* key) -> Result<std::unique_ptr<Operation>> {
    if (kind != OpKind::kSign && kind != OpKind::kVerify) return Rv(CKR_MECHANISM_INVALID, "only signs");
    CF_ASSIGN_OR_RETURN(auto pkey, RsaKey(key, kind, name));
    const HashInfo* hash = FindHashByMechanism(hash_mechanism);
    if (hash == nullptr) return Status(Code::kInternal, std::string(name) + ": hash not available in OpenSSL");
    std::function<Status(EVP_PKEY_CTX*)> configure;
    if (pss) {
      const HashInfo* named = nullptr;
      CF_ASSIGN_OR_RETURN(configure, PssPadding(m, name, pkey.get(), hash, &named));
    } else {
      CF_RETURN_IF_ERROR(NoParams(m, name));
      configure = Pkcs1Padding();
    }
    return MakeSignOperation(kind, pkey,
                             {.mode = SignMode::kDigestThenSign,
                              .md = hash->Md(),
                              .configure = std::move(configure),
                              .signature_len = ModulusBytes(pkey.get())});
  };
}

Result<std::unique_ptr<Operation>> CreateRsaOaep(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) {
  const char* name = "CKM_RSA_PKCS_OAEP";
  if (kind != OpKind::kEncrypt && kind != OpKind::kDecrypt && kind != OpKind::kWrap && kind != OpKind::kUnwrap) {
    return Rv(CKR_MECHANISM_INVALID, "OAEP only encrypts");
  }
  CF_ASSIGN_OR_RETURN(const CK_RSA_PKCS_OAEP_PARAMS* p,
                      ParamAs<CK_RSA_PKCS_OAEP_PARAMS>(m, name, "CK_RSA_PKCS_OAEP_PARAMS"));
  const HashInfo* hash = FindHashByMechanism(p->hashAlg);
  const HashInfo* mgf = FindHashByMgf(p->mgf);
  bool label_ok = (p->source == CKZ_DATA_SPECIFIED || (p->source == 0 && p->ulSourceDataLen == 0)) &&
                  (p->ulSourceDataLen == 0 || p->pSourceData != nullptr);
  if (hash == nullptr || mgf == nullptr || !label_ok) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "CKM_RSA_PKCS_OAEP: hashAlg " + std::to_string(p->hashAlg) + ", mgf " +
                                               std::to_string(p->mgf) + ", source " + std::to_string(p->source) +
                                               ": need a SHA-1/2/3 hash, its MGF1 and CKZ_DATA_SPECIFIED");
  }
  CF_ASSIGN_OR_RETURN(auto pkey, RsaKey(key, kind, name));
  size_t k = ModulusBytes(pkey.get());
  if (k < 2 * hash->size + 2) return Rv(CKR_KEY_SIZE_RANGE, "modulus too small for OAEP with this hash");
  auto label = std::make_shared<Bytes>(static_cast<const uint8_t*>(p->pSourceData),
                                       static_cast<const uint8_t*>(p->pSourceData) + p->ulSourceDataLen);
  const EVP_MD* md = hash->Md();
  const EVP_MD* mgf_md = mgf->Md();
  auto configure = [md, mgf_md, label](EVP_PKEY_CTX* ctx) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 || EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mgf_md) != 1) {
      return ossl::Error("setting OAEP parameters");
    }
    if (!label->empty()) {
      // Through OSSL_PARAM, which copies: the set0 form would take ownership of our buffer.
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, label->data(), label->size()),
          OSSL_PARAM_construct_end()};
      if (EVP_PKEY_CTX_set_params(ctx, params) != 1) return ossl::Error("setting the OAEP label");
    }
    return Status::Ok();
  };
  return MakePkeyCipherOperation(kind, pkey,
                                 {.configure = configure, .max_plaintext = k - 2 * hash->size - 2, .modulus_len = k});
}

constexpr CK_FLAGS kSignFlags = CKF_SIGN | CKF_VERIFY;

}  // namespace

void RegisterRsa(Registry& registry) {
  registry.Add({.type = CKM_RSA_PKCS_KEY_PAIR_GEN,
                .name = "CKM_RSA_PKCS_KEY_PAIR_GEN",
                .info = {kMinBits, kMaxBits, CKF_GENERATE_KEY_PAIR},
                .key_types = {CKK_RSA},
                .generate_key_pair = GenerateRsa});
  registry.Add({.type = CKM_RSA_PKCS,
                .name = "CKM_RSA_PKCS",
                .info = {kMinBits, kMaxBits, CKF_ENCRYPT | CKF_DECRYPT | kSignFlags | CKF_WRAP | CKF_UNWRAP},
                .key_types = {CKK_RSA},
                .padding_oracle_flags = CKF_DECRYPT | CKF_UNWRAP,
                .create = CreateRsaPkcs});
  registry.Add({.type = CKM_RSA_PKCS_PSS,
                .name = "CKM_RSA_PKCS_PSS",
                .info = {kMinBits, kMaxBits, kSignFlags},
                .key_types = {CKK_RSA},
                .create = CreateRsaPss});
  registry.Add({.type = CKM_RSA_PKCS_OAEP,
                .name = "CKM_RSA_PKCS_OAEP",
                .info = {kMinBits, kMaxBits, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
                .key_types = {CKK_RSA},
                .create = CreateRsaOaep});
  struct HashRow {
    CK_MECHANISM_TYPE pkcs, pss, hash;
    const char *pkcs_name, *pss_name;
  };
  static constexpr HashRow kHashRows[] = {
      {CKM_SHA1_RSA_PKCS, CKM_SHA1_RSA_PKCS_PSS, CKM_SHA_1, "CKM_SHA1_RSA_PKCS", "CKM_SHA1_RSA_PKCS_PSS"},
      {CKM_SHA224_RSA_PKCS, CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224, "CKM_SHA224_RSA_PKCS", "CKM_SHA224_RSA_PKCS_PSS"},
      {CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, "CKM_SHA256_RSA_PKCS", "CKM_SHA256_RSA_PKCS_PSS"},
      {CKM_SHA384_RSA_PKCS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, "CKM_SHA384_RSA_PKCS", "CKM_SHA384_RSA_PKCS_PSS"},
      {CKM_SHA512_RSA_PKCS, CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, "CKM_SHA512_RSA_PKCS", "CKM_SHA512_RSA_PKCS_PSS"},
  };
  for (const HashRow& r : kHashRows) {
    registry.Add({.type = r.pkcs,
                  .name = r.pkcs_name,
                  .info = {kMinBits, kMaxBits, kSignFlags},
                  .key_types = {CKK_RSA},
                  .create = HashThenSign(r.hash, r.pkcs_name, false)});
    registry.Add({.type = r.pss,
                  .name = r.pss_name,
                  .info = {kMinBits, kMaxBits, kSignFlags},
                  .key_types = {CKK_RSA},
                  .create = HashThenSign(r.hash, r.pss_name, true)});
  }
}

}  // namespace cf::p11
