// Typed template values for pkcs11/mech (see attribute_values.h).
#include "pkcs11/mech/attribute_values.h"

#include <cstring>

namespace cf::p11 {

Result<std::optional<CK_ULONG>> ReadUlong(const AttributeLookup& lookup, CK_ATTRIBUTE_TYPE type) {
  std::optional<ByteView> v = lookup(type);
  if (!v) return std::optional<CK_ULONG>();
  if (v->size() != sizeof(CK_ULONG)) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "attribute " + std::to_string(type) + " must be a CK_ULONG (" +
                                               std::to_string(sizeof(CK_ULONG)) + " bytes), got " +
                                               std::to_string(v->size()));
  }
  CK_ULONG value;
  std::memcpy(&value, v->data(), sizeof(value));
  return std::optional<CK_ULONG>(value);
}

Result<std::optional<ossl::Bn>> ReadBignum(const AttributeLookup& lookup, CK_ATTRIBUTE_TYPE type) {
  std::optional<ByteView> v = lookup(type);
  if (!v) return std::optional<ossl::Bn>();
  if (v->empty()) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "attribute " + std::to_string(type) + " is an empty integer");
  }
  ossl::Bn bn(BN_bin2bn(v->data(), static_cast<int>(v->size()), nullptr));
  if (!bn) return ossl::Error("reading a big integer attribute");
  return std::optional<ossl::Bn>(std::move(bn));
}

Attribute UlongAttribute(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  Bytes b(sizeof(value));
  std::memcpy(b.data(), &value, sizeof(value));
  return Attribute{type, std::move(b)};
}

Attribute BytesAttribute(CK_ATTRIBUTE_TYPE type, ByteView value) {
  return Attribute{type, Bytes(value.begin(), value.end())};
}

Attribute BignumAttribute(CK_ATTRIBUTE_TYPE type, const BIGNUM* value) {
  Bytes b(static_cast<size_t>(BN_num_bytes(value)));
  BN_bn2bin(value, b.data());
  return Attribute{type, std::move(b)};
}

}  // namespace cf::p11
