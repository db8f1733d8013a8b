// The global attribute table: every CKA_* this module knows, with its value kind (how its bytes are checked and
// read) and its specification name (for logs and error messages). Per-class rules live in object_schema.h.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11 {

enum class AttrKind {
  kBool,        // CK_BBOOL, exactly 1 byte, 0 or 1
  kUlong,       // CK_ULONG in native layout
  kBytes,       // any byte string (may be empty)
  kString,      // UTF-8 text, no terminator
  kDate,        // CK_DATE: 8 ASCII digits or empty
  kTemplate,    // CK_ATTRIBUTE array (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE)
  kMechanisms,  // CK_MECHANISM_TYPE array (CKA_ALLOWED_MECHANISMS)
};

struct AttrDef {
  CK_ATTRIBUTE_TYPE type;
  const char* name;
  AttrKind kind;
};

// nullptr for attributes this module does not know.
const AttrDef* FindAttr(CK_ATTRIBUTE_TYPE type);
// "CKA_LABEL", or "CKA_0x80001234" for unknown types.
std::string AttrName(CK_ATTRIBUTE_TYPE type);
// CKR_ATTRIBUTE_VALUE_INVALID (through Rv) when the bytes do not fit the kind (wrong size, bool not 0/1).
Status CheckAttrValue(const AttrDef& def, ByteView value);

// Native-layout encodings, as PKCS#11 returns them.
Bytes EncodeUlong(CK_ULONG v);
Bytes EncodeBool(bool v);

}  // namespace cf::p11
