// The mechanism registry: one row per mechanism, filled by each family's Register() (families.h). The contract
// between pkcs11/model and pkcs11/mech: the model owns objects and access rules (usage attributes, key classes)
// and asks a row to check parameters and build operations and keys; nothing outside the registry switches on the
// mechanism type. Change it only together with both sides.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/key_material.h"
#include "pkcs11/mech/operation.h"

namespace cf::p11 {

// What C_DeriveKey gives a derive hook besides the parameter and the base key.
struct DeriveContext {
  // CKA_VALUE_LEN of the template, when it has one: the length a KDF with a length-dependent or unbounded output
  // (HKDF-Expand) must produce. The model cuts longer outputs to it and refuses shorter ones.
  std::optional<CK_ULONG> value_len;
  // Another key the parameter names by handle (CK_HKDF_PARAMS hSaltKey), resolved by the model under the same
  // rules as the base key (handle valid in this session, usable now, CKA_DERIVE). Empty: no other key may be named.
  std::function<Result<std::shared_ptr<const KeyMaterial>>(CK_OBJECT_HANDLE)> other_key;
};

struct MechanismRow {
  CK_MECHANISM_TYPE type;
  const char* name;                    // "CKM_ECDSA_SHA256", for logs
  CK_MECHANISM_INFO info;              // key sizes (bits for RSA/EC, bytes for AES/generic) and CKF_* flags
  std::vector<CK_KEY_TYPE> key_types;  // key types the mechanism accepts
  // Of info.flags, those that make the mechanism a padding oracle (CKM_RSA_PKCS decrypt/unwrap, Bleichenbacher):
  // a token offers them only when its configuration sets allow_rsa_pkcs1_v15_decrypt (Token::CheckMechanism).
  CK_FLAGS padding_oracle_flags = 0;
  // Checks pParameter/ulParameterLen and builds the operation for kind over key (null for digests).
  std::function<Result<std::unique_ptr<Operation>>(OpKind, const CK_MECHANISM&, const KeyMaterial*)> create;
  // Key generation (rows with CKF_GENERATE / CKF_GENERATE_KEY_PAIR): template attributes are read through lookup
  // (CKA_VALUE_LEN, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS).
  std::function<Result<KeyMaterial>(const CK_MECHANISM&, const AttributeLookup&)> generate_key;
  std::function<Result<GeneratedKeyPair>(const CK_MECHANISM&, const AttributeLookup& public_template,
                                         const AttributeLookup& private_template)>
      generate_key_pair;
  // Key derivation (CKM_ECDH1_DERIVE, CKM_HKDF_*): the derived secret's bytes.
  std::function<Result<SecureBytes>(const CK_MECHANISM&, const KeyMaterial& base, const DeriveContext&)> derive;
  // The class of what C_DeriveKey makes: a secret key, or for CKM_HKDF_DATA a data object holding the bytes.
  CK_OBJECT_CLASS derive_class = CKO_SECRET_KEY;
};

class Registry {
 public:
  // The process-wide registry, built on first use (heap, never destroyed: see STYLE.md rule 19).
  static const Registry& Get();
  void Add(MechanismRow row);
  const MechanismRow* Find(CK_MECHANISM_TYPE type) const;
  std::vector<CK_MECHANISM_TYPE> Types() const;  // sorted

 private:
  std::vector<MechanismRow> rows_;  // sorted by type
};

}  // namespace cf::p11
