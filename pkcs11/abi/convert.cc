// Template reading and the buffer protocol.
#include "pkcs11/abi/convert.h"

#include <cstring>

#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/model/attribute_table.h"

namespace cf::p11::abi {

Result<AttributeSet> ReadTemplate(const CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount) {
  AttributeSet out;
  if (ulCount > 0 && pTemplate == nullptr) return Rv(CKR_ARGUMENTS_BAD, "template is null with a count");
  for (CK_ULONG i = 0; i < ulCount; ++i) {
    const CK_ATTRIBUTE& a = pTemplate[i];
    if (a.pValue == nullptr && a.ulValueLen > 0)
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID, AttrName(a.type) + " has a length but no value");
    ByteView value(static_cast<const uint8_t*>(a.pValue), a.pValue ? a.ulValueLen : 0);
    SecureBytes flat;
    const AttrDef* def = FindAttr(a.type);
    if (def != nullptr && def->kind == AttrKind::kTemplate) {
      if (a.ulValueLen % sizeof(CK_ATTRIBUTE) != 0)
        return Rv(CKR_ATTRIBUTE_VALUE_INVALID, AttrName(a.type) + " is not a CK_ATTRIBUTE array");
      CF_ASSIGN_OR_RETURN(AttributeSet nested, ReadTemplate(static_cast<const CK_ATTRIBUTE*>(a.pValue),
                                                            a.ulValueLen / sizeof(CK_ATTRIBUTE)));
      flat = EncodeNested(nested);
      value = ByteView(flat.data(), flat.size());
    }
    if (const SecureBytes* old = out.Find(a.type);
        old && !std::equal(old->begin(), old->end(), value.begin(), value.end()))
      return Rv(CKR_TEMPLATE_INCONSISTENT, AttrName(a.type) + " given twice with different values");
    out.Set(a.type, value);
  }
  return out;
}

SecureString Pin(const CK_UTF8CHAR* p, CK_ULONG len) {
  return p == nullptr ? SecureString() : SecureString(reinterpret_cast<const char*>(p), len);
}

CK_RV Deliver(ByteView data, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  if (out_len == nullptr) return CKR_ARGUMENTS_BAD;
  if (out == nullptr) {
    *out_len = data.size();
    return CKR_OK;
  }
  if (*out_len < data.size()) {
    *out_len = data.size();
    return CKR_BUFFER_TOO_SMALL;
  }
  if (!data.empty()) std::memcpy(out, data.data(), data.size());
  *out_len = data.size();
  return CKR_OK;
}

CK_RV DeliverAttribute(const Result<ByteView>& value, bool nested, CK_ATTRIBUTE* attr) {
  if (!value.ok()) {
    attr->ulValueLen = CK_UNAVAILABLE_INFORMATION;
    return value.status().has_detail() ? static_cast<CK_RV>(value.status().detail()) : CKR_GENERAL_ERROR;
  }
  if (!nested) {
    if (attr->pValue == nullptr) {
      attr->ulValueLen = value->size();
      return CKR_OK;
    }
    if (attr->ulValueLen < value->size()) {
      attr->ulValueLen = CK_UNAVAILABLE_INFORMATION;
      return CKR_BUFFER_TOO_SMALL;
    }
    if (!value->empty()) std::memcpy(attr->pValue, value->data(), value->size());
    attr->ulValueLen = value->size();
    return CKR_OK;
  }
  // A CK_ATTRIBUTE array: the outer length is the array's; the caller's inner buffers get the values.
  auto set = DecodeNested(*value);
  if (!set.ok()) {
    attr->ulValueLen = CK_UNAVAILABLE_INFORMATION;
    return CKR_GENERAL_ERROR;
  }
  CK_ULONG needed = set->size() * sizeof(CK_ATTRIBUTE);
  if (attr->pValue == nullptr) {
    attr->ulValueLen = needed;
    return CKR_OK;
  }
  if (attr->ulValueLen < needed) {
    attr->ulValueLen = CK_UNAVAILABLE_INFORMATION;
    return CKR_BUFFER_TOO_SMALL;
  }
  auto* inner = static_cast<CK_ATTRIBUTE*>(attr->pValue);
  CK_RV rv = CKR_OK;
  size_t i = 0;
  for (const auto& [type, v] : set->values()) {
    inner[i].type = type;
    CK_RV r = DeliverAttribute(ByteView(v.data(), v.size()), false, &inner[i]);
    if (r != CKR_OK) rv = r;
    ++i;
  }
  attr->ulValueLen = needed;
  return rv;
}

}  // namespace cf::p11::abi
