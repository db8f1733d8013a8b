// Reading typed values from a template through an AttributeLookup (CK_ULONG, big-endian integers) and building
// Attribute values, for key generation and key_attributes. Wrong sizes are CKR_ATTRIBUTE_VALUE_INVALID.
#pragma once

#include <optional>

#include "common/ossl.h"
#include "pkcs11/mech/key_material.h"

namespace cf::p11 {

Result<std::optional<CK_ULONG>> ReadUlong(const AttributeLookup& lookup, CK_ATTRIBUTE_TYPE type);
// A big-endian unsigned integer (CKA_MODULUS, CKA_PUBLIC_EXPONENT...); nullopt when absent; empty is invalid.
Result<std::optional<ossl::Bn>> ReadBignum(const AttributeLookup& lookup, CK_ATTRIBUTE_TYPE type);

Attribute UlongAttribute(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
Attribute BytesAttribute(CK_ATTRIBUTE_TYPE type, ByteView value);
Attribute BignumAttribute(CK_ATTRIBUTE_TYPE type, const BIGNUM* value);

}  // namespace cf::p11
