// The curves this token supports and their PKCS#11 encodings: CKA_EC_PARAMS (DER named-curve OID, or for Edwards
// curves also the 3.0 printable-string name) and CKA_EC_POINT (DER OCTET STRING of the point / raw key).
// Used by the EC, EdDSA and ECDH families and by key_attributes.
#pragma once

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11 {

struct CurveInfo {
  const char* name;        // "P-256", "Ed25519"
  const char* ossl_name;   // OpenSSL group or key type name: "prime256v1", "ED25519"
  CK_KEY_TYPE key_type;    // CKK_EC or CKK_EC_EDWARDS
  ByteView oid_der;        // the DER OBJECT IDENTIFIER CKA_EC_PARAMS carries
  ByteView printable_der;  // Edwards curves: DER PrintableString "edwards25519"; empty otherwise
  size_t field_bytes;      // ECDSA r and s each; raw public key bytes for Edwards curves
  CK_ULONG bits;           // CK_MECHANISM_INFO key size
  size_t signature_bytes;  // 2 * field_bytes for ECDSA; 64 / 114 for EdDSA
};

// CKR_ATTRIBUTE_VALUE_INVALID (through the caller) when the parameters name no supported curve of key_type.
const CurveInfo* FindCurveByParams(ByteView ec_params, CK_KEY_TYPE key_type);
// The curve of an EC or Edwards EVP_PKEY; nullptr for others.
const CurveInfo* CurveOfKey(const EVP_PKEY* pkey);

// CKA_EC_POINT value: DER OCTET STRING around the uncompressed point (EC) or raw key (Edwards).
Result<Bytes> EcPointAttribute(const EVP_PKEY* pkey);
// Accepts CKA_EC_POINT (or an ECDH peer point) DER-wrapped or raw; returns the raw point bytes.
Result<Bytes> UnwrapEcPoint(ByteView value, const CurveInfo& curve);

// Builds an EVP_PKEY of curve from the raw public point and, for private keys, the private scalar / seed.
Result<ossl::PKey> MakeCurveKey(const CurveInfo& curve, ByteView public_point, const SecureBytes* private_value);

}  // namespace cf::p11
