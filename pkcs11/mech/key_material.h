// Key material as mechanisms see it, and its translation to and from key attributes (key_attributes.cc,
// key_import.cc). The model owns objects and who may use them; this header only says what a key is made of.
// Failures are cf::Status with the CK_RV the specification names in detail() (Rv(), pkcs11_types.h).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11 {

struct CurveInfo;  // ec_curves.h

// Parsed once (at login or first use) and shared, immutable, by every operation on any thread. Exactly one of
// pkey / secret is set.
struct KeyMaterial {
  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;  // CKO_PUBLIC_KEY, CKO_PRIVATE_KEY or CKO_SECRET_KEY
  CK_KEY_TYPE key_type = CKK_GENERIC_SECRET;      // CKK_RSA, CKK_EC, CKK_EC_EDWARDS, CKK_AES, CKK_GENERIC_SECRET
  std::shared_ptr<EVP_PKEY> pkey;                 // asymmetric keys (private keys include the public part)
  std::shared_ptr<const SecureBytes> secret;      // symmetric keys: the key bytes
  // EC and Edwards keys: the curve, set by the mechanism code that built the key, so an operation's init need not
  // ask OpenSSL for the group by name (0.3 us per C_SignInit, issue 7). Null: look it up (CurveOfKey).
  const CurveInfo* curve = nullptr;
};

struct GeneratedKeyPair {
  KeyMaterial public_key;
  KeyMaterial private_key;
};

// An attribute as stored: type and the bytes PKCS#11 returns (CK_ULONG / CK_BBOOL in native layout).
struct Attribute {
  CK_ATTRIBUTE_TYPE type;
  Bytes value;
};

// Reads an attribute from a template (or an object); nullopt when absent.
using AttributeLookup = std::function<std::optional<ByteView>(CK_ATTRIBUTE_TYPE)>;

// The attributes a key of this material carries that derive from the material: CKA_KEY_TYPE, CKA_MODULUS,
// CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS, CKA_EC_POINT (DER OCTET STRING), CKA_VALUE_LEN,
// CKA_PUBLIC_KEY_INFO, and for private keys the private components (stored; the model keeps them sensitive) or
// for secret keys CKA_VALUE.
Result<std::vector<Attribute>> DescribeKey(const KeyMaterial& key);
// Builds key material from a C_CreateObject / C_UnwrapKey template (or a stored object). CKR_TEMPLATE_INCOMPLETE /
// CKR_ATTRIBUTE_VALUE_INVALID through Rv() when the components are missing or inconsistent.
Result<KeyMaterial> ImportKey(CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type, const AttributeLookup& lookup);

}  // namespace cf::p11
