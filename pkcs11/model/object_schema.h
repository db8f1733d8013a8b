// Per-class attribute schemas and the one template validator. Flags are named after the footnotes of the
// specification's attribute tables (PKCS#11 3.0 base spec section 4.2, table 10); ApplyTemplate is the only place
// that judges a template for create, generate, unwrap, derive, copy or set.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/model/attribute_set.h"

namespace cf::p11 {

enum AttrFlag : uint32_t {
  kRequiredOnCreate = 1u << 1,    // footnote 1: must be given to C_CreateObject
  kNotOnCreate = 1u << 2,         // footnote 2: must not be given to C_CreateObject
  kRequiredOnGenerate = 1u << 3,  // footnote 3
  kNotOnGenerate = 1u << 4,       // footnote 4
  kRequiredOnUnwrap = 1u << 5,    // footnote 5
  kNotOnUnwrap = 1u << 6,         // footnote 6
  kSensitive = 1u << 7,           // footnote 7: never revealed while SENSITIVE or !EXTRACTABLE
  kModifiable = 1u << 8,          // footnote 8: C_SetAttributeValue / C_CopyObject may change it
  kSoOnlyTrue = 1u << 10,         // footnote 10: only the SO may set it to TRUE
  kOnlyToTrue = 1u << 11,         // footnote 11: once TRUE it stays TRUE
  kOnlyToFalse = 1u << 12,        // footnote 12: once FALSE it stays FALSE
  kTokenSet = 1u << 13,           // set by the token only (LOCAL, ALWAYS_SENSITIVE, ...): read-only everywhere
  kCopySettable = 1u << 14,       // may change in C_CopyObject though not in C_SetAttributeValue (TOKEN, PRIVATE)
  // Grants a use of the key (ENCRYPT, DECRYPT, WRAP, UNWRAP, SIGN, VERIFY, DERIVE, *_RECOVER): after creation it
  // only turns off, in C_SetAttributeValue and C_CopyObject alike, and absent counts as FALSE. Separation of
  // wrap/decrypt and unwrap/encrypt holds per object, so a twin that gained a use would undo it (issue 11, item 7).
  kUsage = 1u << 15,
};

struct AttrRule {
  // A constructor rather than an aggregate: the schema's rows name only the members they need, which GCC 12's
  // -Wmissing-field-initializers reports on every short row of an aggregate (issue 17: a warning-free build).
  AttrRule(CK_ATTRIBUTE_TYPE t, uint32_t f = 0, std::optional<Bytes> d = std::nullopt)
      : type(t), flags(f), default_value(std::move(d)) {}
  CK_ATTRIBUTE_TYPE type;
  uint32_t flags = 0;
  std::optional<Bytes> default_value;  // filled in on create/generate/unwrap/derive when absent
};

struct Schema {
  CK_OBJECT_CLASS object_class;
  std::vector<AttrRule> rules;
  const AttrRule* Find(CK_ATTRIBUTE_TYPE type) const;
};

// CKR_TEMPLATE_INCONSISTENT / CKR_ATTRIBUTE_VALUE_INVALID when the class or key/certificate type is not one this
// module stores. subtype: CKA_KEY_TYPE for keys, CKA_CERTIFICATE_TYPE for certificates, ignored for data.
Result<const Schema*> SchemaFor(CK_OBJECT_CLASS object_class, CK_ULONG subtype);

enum class TemplateOp { kCreate, kGenerate, kUnwrap, kDerive, kCopy, kSet };

// Judges `tmpl` against `schema` for `op` and returns the resulting attributes: for the creating operations,
// defaults + template; for kCopy/kSet, `existing` with the template applied. CK_RVs as the specification names:
// TYPE_INVALID (attribute not in the class), VALUE_INVALID, READ_ONLY, TEMPLATE_INCOMPLETE, TEMPLATE_INCONSISTENT.
// is_so: the caller is logged in as SO (footnote 10).
Result<AttributeSet> ApplyTemplate(const Schema& schema, const AttributeSet& tmpl, TemplateOp op,
                                   const AttributeSet* existing, bool is_so);

// Key roles that together allow extraction (Clulow 2003): WRAP+DECRYPT, UNWRAP+ENCRYPT. TEMPLATE_INCONSISTENT.
Status CheckRoleConflicts(const AttributeSet& attrs);

// May this attribute of this object be revealed? False for footnote-7 attributes of sensitive/unextractable keys.
bool IsRevealable(const Schema& schema, const AttributeSet& attrs, CK_ATTRIBUTE_TYPE type);

}  // namespace cf::p11
