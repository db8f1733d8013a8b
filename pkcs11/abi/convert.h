// Pointer -> typed argument conversions done once at the ABI (STYLE.md rule 1), and the output buffer protocol
// written once (rule 7): null buffer -> length; too small -> CKR_BUFFER_TOO_SMALL with the length.
#pragma once

#include <algorithm>
#include <span>

#include "common/secure_bytes.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/model/attribute_set.h"

namespace cf::p11::abi {

// CKR_ARGUMENTS_BAD for a null array with a count; CKR_ATTRIBUTE_VALUE_INVALID for a null value with a length;
// CKR_TEMPLATE_INCONSISTENT when one type appears twice with different values. Nested templates are flattened.
Result<AttributeSet> ReadTemplate(const CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount);
inline ByteView In(const CK_BYTE* p, CK_ULONG len) { return p == nullptr ? ByteView() : ByteView(p, len); }
SecureString Pin(const CK_UTF8CHAR* p, CK_ULONG len);
// Copies data out under the buffer protocol.
CK_RV Deliver(ByteView data, CK_BYTE_PTR out, CK_ULONG_PTR out_len);
// The same protocol counted in elements, for the functions that return a list (C_GetSlotList, C_GetMechanismList,
// C_GetInterfaceList; PKCS#11 3.0 section 5.2): null list -> *count = the size; a list shorter than the size ->
// CKR_BUFFER_TOO_SMALL with the size; else the items and their number.
template <typename T>
CK_RV DeliverList(std::span<const T> items, T* list, CK_ULONG_PTR count) {
  if (count == nullptr) return CKR_ARGUMENTS_BAD;
  CK_ULONG size = items.size();
  if (list != nullptr && *count < size) {
    *count = size;
    return CKR_BUFFER_TOO_SMALL;
  }
  if (list != nullptr) std::copy(items.begin(), items.end(), list);
  *count = size;
  return CKR_OK;
}
// Fills one attribute of C_GetAttributeValue; returns its per-attribute CK_RV.
CK_RV DeliverAttribute(const Result<ByteView>& value, bool nested, CK_ATTRIBUTE* attr);

}  // namespace cf::p11::abi
