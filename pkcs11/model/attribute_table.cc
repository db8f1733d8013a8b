// The global CKA_* table (kind and name). Sorted by type so lookup is a binary search.
#include "pkcs11/model/attribute_table.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/model/attribute_set.h"

namespace cf::p11 {
namespace {

#define CF_ATTR(name, kind) \
  AttrDef { name, #name, AttrKind::kind }

const auto& Table() {
  static const auto* table = [] {
    auto* t = new std::vector<AttrDef>{
        CF_ATTR(CKA_CLASS, kUlong),
        CF_ATTR(CKA_TOKEN, kBool),
        CF_ATTR(CKA_PRIVATE, kBool),
        CF_ATTR(CKA_LABEL, kString),
        CF_ATTR(CKA_APPLICATION, kString),
        CF_ATTR(CKA_VALUE, kBytes),
        CF_ATTR(CKA_OBJECT_ID, kBytes),
        CF_ATTR(CKA_CERTIFICATE_TYPE, kUlong),
        CF_ATTR(CKA_ISSUER, kBytes),
        CF_ATTR(CKA_SERIAL_NUMBER, kBytes),
        CF_ATTR(CKA_AC_ISSUER, kBytes),
        CF_ATTR(CKA_OWNER, kBytes),
        CF_ATTR(CKA_ATTR_TYPES, kBytes),
        CF_ATTR(CKA_TRUSTED, kBool),
        CF_ATTR(CKA_CERTIFICATE_CATEGORY, kUlong),
        CF_ATTR(CKA_JAVA_MIDP_SECURITY_DOMAIN, kUlong),
        CF_ATTR(CKA_URL, kString),
        CF_ATTR(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, kBytes),
        CF_ATTR(CKA_HASH_OF_ISSUER_PUBLIC_KEY, kBytes),
        CF_ATTR(CKA_NAME_HASH_ALGORITHM, kUlong),
        CF_ATTR(CKA_CHECK_VALUE, kBytes),
        CF_ATTR(CKA_KEY_TYPE, kUlong),
        CF_ATTR(CKA_SUBJECT, kBytes),
        CF_ATTR(CKA_ID, kBytes),
        CF_ATTR(CKA_SENSITIVE, kBool),
        CF_ATTR(CKA_ENCRYPT, kBool),
        CF_ATTR(CKA_DECRYPT, kBool),
        CF_ATTR(CKA_WRAP, kBool),
        CF_ATTR(CKA_UNWRAP, kBool),
        CF_ATTR(CKA_SIGN, kBool),
        CF_ATTR(CKA_SIGN_RECOVER, kBool),
        CF_ATTR(CKA_VERIFY, kBool),
        CF_ATTR(CKA_VERIFY_RECOVER, kBool),
        CF_ATTR(CKA_DERIVE, kBool),
        CF_ATTR(CKA_START_DATE, kDate),
        CF_ATTR(CKA_END_DATE, kDate),
        CF_ATTR(CKA_MODULUS, kBytes),
        CF_ATTR(CKA_MODULUS_BITS, kUlong),
        CF_ATTR(CKA_PUBLIC_EXPONENT, kBytes),
        CF_ATTR(CKA_PRIVATE_EXPONENT, kBytes),
        CF_ATTR(CKA_PRIME_1, kBytes),
        CF_ATTR(CKA_PRIME_2, kBytes),
        CF_ATTR(CKA_EXPONENT_1, kBytes),
        CF_ATTR(CKA_EXPONENT_2, kBytes),
        CF_ATTR(CKA_COEFFICIENT, kBytes),
        CF_ATTR(CKA_PUBLIC_KEY_INFO, kBytes),
        CF_ATTR(CKA_PRIME, kBytes),
        CF_ATTR(CKA_SUBPRIME, kBytes),
        CF_ATTR(CKA_BASE, kBytes),
        CF_ATTR(CKA_PRIME_BITS, kUlong),
        CF_ATTR(CKA_VALUE_BITS, kUlong),
        CF_ATTR(CKA_VALUE_LEN, kUlong),
        CF_ATTR(CKA_EXTRACTABLE, kBool),
        CF_ATTR(CKA_LOCAL, kBool),
        CF_ATTR(CKA_NEVER_EXTRACTABLE, kBool),
        CF_ATTR(CKA_ALWAYS_SENSITIVE, kBool),
        CF_ATTR(CKA_KEY_GEN_MECHANISM, kUlong),
        CF_ATTR(CKA_MODIFIABLE, kBool),
        CF_ATTR(CKA_COPYABLE, kBool),
        CF_ATTR(CKA_DESTROYABLE, kBool),
        CF_ATTR(CKA_EC_PARAMS, kBytes),
        CF_ATTR(CKA_EC_POINT, kBytes),
        CF_ATTR(CKA_ALWAYS_AUTHENTICATE, kBool),
        CF_ATTR(CKA_WRAP_WITH_TRUSTED, kBool),
        CF_ATTR(CKA_UNIQUE_ID, kString),
        CF_ATTR(CKA_WRAP_TEMPLATE, kTemplate),
        CF_ATTR(CKA_UNWRAP_TEMPLATE, kTemplate),
        CF_ATTR(CKA_ALLOWED_MECHANISMS, kMechanisms),
        CF_ATTR(CKA_CF_VERSION, kUlong),
        CF_ATTR(CKA_CF_ENTRY_TYPE, kString),
        CF_ATTR(CKA_CF_LATEST, kBool),
        CF_ATTR(CKA_CF_REQUIRES_ADMISSION, kBool),
    };
    std::sort(t->begin(), t->end(), [](const AttrDef& a, const AttrDef& b) { return a.type < b.type; });
    return t;
  }();
  return *table;
}

#undef CF_ATTR

}  // namespace

const AttrDef* FindAttr(CK_ATTRIBUTE_TYPE type) {
  const auto& t = Table();
  auto it =
      std::lower_bound(t.begin(), t.end(), type, [](const AttrDef& d, CK_ATTRIBUTE_TYPE v) { return d.type < v; });
  return it != t.end() && it->type == type ? &*it : nullptr;
}

std::string AttrName(CK_ATTRIBUTE_TYPE type) {
  if (const AttrDef* def = FindAttr(type)) return def->name;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "CKA_0x%lx", static_cast<unsigned long>(type));
  return buf;
}

Status CheckAttrValue(const AttrDef& def, ByteView value) {
  auto bad = [&](const std::string& why) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, std::string(def.name) + ": " + why);
  };
  switch (def.kind) {
    case AttrKind::kBool:
      if (value.size() != sizeof(CK_BBOOL)) return bad("a CK_BBOOL is 1 byte, got " + std::to_string(value.size()));
      if (value[0] > 1) return bad("a CK_BBOOL is 0 or 1, got " + std::to_string(value[0]));
      return Status::Ok();
    case AttrKind::kUlong:
      if (value.size() != sizeof(CK_ULONG))
        return bad("a CK_ULONG is " + std::to_string(sizeof(CK_ULONG)) + " bytes, got " + std::to_string(value.size()));
      return Status::Ok();
    case AttrKind::kDate:
      if (!value.empty() && value.size() != sizeof(CK_DATE)) return bad("a CK_DATE is 8 bytes or empty");
      return Status::Ok();
    case AttrKind::kMechanisms:
      if (value.size() % sizeof(CK_MECHANISM_TYPE) != 0) return bad("not a whole number of CK_MECHANISM_TYPE");
      return Status::Ok();
    case AttrKind::kTemplate:
      // The ABI has already flattened the caller's CK_ATTRIBUTE array (EncodeNested): judge that encoding, whose
      // size has nothing to do with sizeof(CK_ATTRIBUTE) (a CK_BBOOL entry is 17 bytes).
      if (!DecodeNested(value).ok()) return bad("not a valid nested attribute template");
      return Status::Ok();
    case AttrKind::kBytes:
    case AttrKind::kString:
      return Status::Ok();
  }
  return Status::Ok();
}

Bytes EncodeUlong(CK_ULONG v) {
  Bytes b(sizeof(v));
  std::memcpy(b.data(), &v, sizeof(v));
  return b;
}

Bytes EncodeBool(bool v) { return Bytes{static_cast<uint8_t>(v ? CK_TRUE : CK_FALSE)}; }

}  // namespace cf::p11
