// AttributeSet: an object's (or a template's) attributes as type -> bytes in native PKCS#11 layout. Values live in
// wiping buffers because private-key components and secret values are attributes too. Nested templates
// (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE) are held in the flat encoding of EncodeNested().
#pragma once

#include <map>
#include <optional>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/key_material.h"

namespace cf::p11 {

class AttributeSet {
 public:
  using Map = std::map<CK_ATTRIBUTE_TYPE, SecureBytes>;

  bool Has(CK_ATTRIBUTE_TYPE type) const { return values_.count(type) != 0; }
  const SecureBytes* Find(CK_ATTRIBUTE_TYPE type) const;
  std::optional<ByteView> View(CK_ATTRIBUTE_TYPE type) const;
  bool GetBool(CK_ATTRIBUTE_TYPE type, bool if_absent) const;
  std::optional<CK_ULONG> GetUlong(CK_ATTRIBUTE_TYPE type) const;
  std::string GetString(CK_ATTRIBUTE_TYPE type) const;  // empty when absent

  void Set(CK_ATTRIBUTE_TYPE type, ByteView value) { values_[type] = SecureBytes(value.begin(), value.end()); }
  void SetBool(CK_ATTRIBUTE_TYPE type, bool value);
  void SetUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  void SetIfAbsentBool(CK_ATTRIBUTE_TYPE type, bool value) {
    if (!Has(type)) SetBool(type, value);
  }
  void Erase(CK_ATTRIBUTE_TYPE type) { values_.erase(type); }
  // Values of `other` replace ours.
  void Merge(const AttributeSet& other);

  // True when every attribute of `pattern` is present here with the same bytes (C_FindObjects, wrap templates).
  bool Matches(const AttributeSet& pattern) const;
  AttributeLookup Lookup() const;

  const Map& values() const { return values_; }
  size_t size() const { return values_.size(); }

 private:
  Map values_;
};

// Flat encoding of a nested template: for each attribute, type (8 bytes LE), length (8 bytes LE), value.
SecureBytes EncodeNested(const AttributeSet& set);
Result<AttributeSet> DecodeNested(ByteView encoded);

}  // namespace cf::p11
