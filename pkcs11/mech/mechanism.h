// The contract between pkcs11/model (objects, sessions) and pkcs11/mech (the mechanism registry and the crypto
// families over OpenSSL EVP). Change it only together with both sides.
//
// The model owns objects, attributes and access rules (usage attributes such as CKA_SIGN, CKA_ALLOWED_MECHANISMS,
// key-class checks before calling here). mech owns: mechanism rows (CK_MECHANISM_INFO, allowed key types,
// parameter checks), operations, key generation, and the translation between key material and key attributes.
// Failures are cf::Status with the CK_RV the specification names in detail() (see Rv() below).
#pragma once

#include <p11-kit/pkcs11.h>

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/log.h"
#include "common/ossl.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::p11 {

// A Status carrying the CK_RV the specification requires; the abi's one map passes it through.
inline Status Rv(CK_RV rv, std::string reason) { return Status(Code::kInvalidArgument, std::move(reason), rv); }
// As Rv(), for a refusal that stops an attack on the keys (issue 11). The abi's one log point (abi/general.cc
// Log) warns about every refusal code, so an administrator sees the attempt; ordinary errors are traced only under
// CF_PKCS11_DEBUG. `rv_name` names the code for readers of the call site. No secret in `reason`.
inline Status Refuse(CK_RV rv, const char* rv_name, std::string reason) {
  (void)rv_name;
  return Rv(rv, std::move(reason));
}

// Key material as mechanisms see it: parsed once (at login or first use) and shared, immutable, by every operation
// on any thread. Exactly one of pkey / secret is set.
struct CurveInfo;  // ec_curves.h

struct KeyMaterial {
  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;  // CKO_PUBLIC_KEY, CKO_PRIVATE_KEY or CKO_SECRET_KEY
  CK_KEY_TYPE key_type = CKK_GENERIC_SECRET;      // CKK_RSA, CKK_EC, CKK_EC_EDWARDS, CKK_AES, CKK_GENERIC_SECRET
  std::shared_ptr<EVP_PKEY> pkey;                 // asymmetric keys (private keys include the public part)
  std::shared_ptr<const SecureBytes> secret;      // symmetric keys: the key bytes
  // EC and Edwards keys: the curve, set by the mechanism code that built the key, so an operation's init need not
  // ask OpenSSL for the group by name (0.3 us per C_SignInit, issue 7). Null: look it up (CurveOfKey).
  const CurveInfo* curve = nullptr;
};

// An attribute as stored: type and the bytes PKCS#11 returns (CK_ULONG / CK_BBOOL in native layout).
struct Attribute {
  CK_ATTRIBUTE_TYPE type;
  Bytes value;
};

// Reads an attribute from a template (or an object); nullopt when absent.
using AttributeLookup = std::function<std::optional<ByteView>(CK_ATTRIBUTE_TYPE)>;

enum class OpKind {
  kEncrypt,
  kDecrypt,
  kSign,
  kVerify,
  kDigest,
  kWrap,
  kUnwrap,
  kDerive,
  kGenerateKey,
  kGenerateKeyPair
};

// One cryptographic operation in progress (C_*Init created it; the session holds it; an error ends it).
class Operation {
 public:
  virtual ~Operation() = default;
  virtual bool multi_part() const = 0;  // false: C_*Update returns CKR_FUNCTION_NOT_SUPPORTED (EdDSA, RSA raw)
  // Upper bound of what Final (or a one-shot over input_len bytes) / Update(input_len) will output; used for
  // null-buffer length queries and the CKR_BUFFER_TOO_SMALL check before any work is done.
  virtual size_t MaxOutputLength(size_t input_len) const = 0;
  // Encrypt/decrypt append what is ready to *out; sign/verify/digest accumulate and append nothing.
  virtual Status Update(ByteView input, SecureBytes* out) = 0;
  // Sign, encrypt, decrypt, digest: append the rest of the output.
  virtual Status Final(SecureBytes* out) = 0;
  // Verify: CKR_SIGNATURE_INVALID / CKR_SIGNATURE_LEN_RANGE through Rv().
  virtual Status VerifyFinal(ByteView signature) = 0;
  // One-shot forms (C_Sign, C_Encrypt...). Defaults: Update then Final / VerifyFinal.
  virtual Status OneShot(ByteView input, SecureBytes* out);
  virtual Status OneShotVerify(ByteView data, ByteView signature);
  // Single-part output written straight into the caller's buffer, so C_Encrypt / C_Decrypt / C_Sign pay no
  // SecureBytes zero-fill, copy and wipe per call. The model calls it only when one_shot_into() is true and
  // out.size() >= MaxOutputLength(input.size()); it returns the bytes written. On any error nothing plaintext is
  // left in out (decryption wipes what it wrote). The default goes through OneShot and copies.
  virtual bool one_shot_into() const { return false; }
  virtual Result<size_t> OneShotInto(ByteView input, std::span<uint8_t> out);
};

struct GeneratedKeyPair {
  KeyMaterial public_key;
  KeyMaterial private_key;
};

// One mechanism: a row. Families fill rows in their Register(); nothing outside the registry switches on the type.
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
  // Key derivation (CKM_ECDH1_DERIVE): the derived secret's bytes.
  std::function<Result<SecureBytes>(const CK_MECHANISM&, const KeyMaterial& base)> derive;
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

// ---- Key material <-> attributes (mech/key_attributes.cc).
// The attributes a key of this material carries that derive from the material: CKA_KEY_TYPE, CKA_MODULUS,
// CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS, CKA_EC_POINT (DER OCTET STRING), CKA_VALUE_LEN,
// CKA_PUBLIC_KEY_INFO, and for private keys the private components (stored; the model keeps them sensitive) or
// for secret keys CKA_VALUE.
Result<std::vector<Attribute>> DescribeKey(const KeyMaterial& key);
// Builds key material from a C_CreateObject / C_UnwrapKey template (or a stored object). CKR_TEMPLATE_INCOMPLETE /
// CKR_ATTRIBUTE_VALUE_INVALID through Rv() when the components are missing or inconsistent.
Result<KeyMaterial> ImportKey(CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type, const AttributeLookup& lookup);

}  // namespace cf::p11
