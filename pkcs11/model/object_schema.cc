// The schema rows per object class and key type, and ApplyTemplate. Rows are composed from the specification's
// tables: common storage (4.4), data (4.5), certificate + X.509 (4.6), key (4.7), public/private/secret (4.8-4.10)
// and the key types this module implements (RSA 2.1, EC 2.3, Edwards 2.3.5, AES 2.8, generic secret 2.35).
#include "pkcs11/model/object_schema.h"

#include <map>
#include <memory>

#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/model/attribute_table.h"

namespace cf::p11 {
namespace {

constexpr uint32_t kM = kModifiable;
constexpr uint32_t kUse = kModifiable | kUsage;  // may be turned off after creation, never on
Bytes T() { return EncodeBool(true); }
Bytes F() { return EncodeBool(false); }

void Add(std::vector<AttrRule>* rules, std::vector<AttrRule> more) {
  rules->insert(rules->end(), more.begin(), more.end());
}

std::vector<AttrRule> Storage(bool private_default) {
  return {{CKA_CLASS, kRequiredOnCreate},
          {CKA_TOKEN, kCopySettable, F()},
          // Only to TRUE: a private object copied as public would be readable and usable without login.
          {CKA_PRIVATE, kCopySettable | kOnlyToTrue, private_default ? T() : F()},
          {CKA_MODIFIABLE, kCopySettable, T()},
          {CKA_LABEL, kM, Bytes{}},
          {CKA_COPYABLE, kOnlyToFalse | kM, T()},
          {CKA_DESTROYABLE, kCopySettable, T()},
          {CKA_UNIQUE_ID, kTokenSet},
          {CKA_CF_VERSION, 0},
          {CKA_CF_ENTRY_TYPE, kTokenSet},
          // Token-set: whether a newer version of its label/class exists, computed by the object cache.
          {CKA_CF_LATEST, kTokenSet}};
}

std::vector<AttrRule> KeyCommon() {
  return {{CKA_KEY_TYPE, kRequiredOnCreate | kRequiredOnUnwrap},
          {CKA_ID, kM, Bytes{}},
          {CKA_START_DATE, kM, Bytes{}},
          {CKA_END_DATE, kM, Bytes{}},
          {CKA_DERIVE, kUse, F()},
          {CKA_LOCAL, kTokenSet},
          {CKA_KEY_GEN_MECHANISM, kTokenSet},
          {CKA_ALLOWED_MECHANISMS, 0, Bytes{}}};
}

std::unique_ptr<Schema> PublicKey(CK_KEY_TYPE type) {
  auto s = std::make_unique<Schema>();
  s->object_class = CKO_PUBLIC_KEY;
  Add(&s->rules, Storage(false));
  Add(&s->rules, KeyCommon());
  // Only RSA keys encrypt: an EC or Edwards public key defaulting to CKA_ENCRYPT showed a usage it cannot have.
  Add(&s->rules, {{CKA_SUBJECT, kM, Bytes{}},
                  {CKA_ENCRYPT, kUse, type == CKK_RSA ? T() : F()},
                  {CKA_VERIFY, kUse, T()},
                  {CKA_VERIFY_RECOVER, kUse, F()},
                  {CKA_WRAP, kUse, F()},
                  {CKA_TRUSTED, kSoOnlyTrue, F()},
                  {CKA_WRAP_TEMPLATE, 0},
                  {CKA_PUBLIC_KEY_INFO, 0}});
  if (type == CKK_RSA) {
    Add(&s->rules, {{CKA_MODULUS, kRequiredOnCreate | kNotOnGenerate},
                    {CKA_MODULUS_BITS, kNotOnCreate | kRequiredOnGenerate},
                    {CKA_PUBLIC_EXPONENT, kRequiredOnCreate}});
  } else {  // CKK_EC, CKK_EC_EDWARDS
    Add(&s->rules,
        {{CKA_EC_PARAMS, kRequiredOnCreate | kRequiredOnGenerate}, {CKA_EC_POINT, kRequiredOnCreate | kNotOnGenerate}});
  }
  return s;
}

std::unique_ptr<Schema> PrivateKey(CK_KEY_TYPE type) {
  auto s = std::make_unique<Schema>();
  s->object_class = CKO_PRIVATE_KEY;
  Add(&s->rules, Storage(true));
  Add(&s->rules, KeyCommon());
  // Secure defaults (issue 4): sensitive and not extractable unless the template says otherwise.
  Add(&s->rules, {{CKA_SUBJECT, kM, Bytes{}},
                  {CKA_SENSITIVE, kM | kOnlyToTrue, T()},
                  {CKA_DECRYPT, kUse, type == CKK_RSA ? T() : F()},
                  {CKA_SIGN, kUse, T()},
                  {CKA_SIGN_RECOVER, kUse, F()},
                  {CKA_UNWRAP, kUse, F()},
                  {CKA_EXTRACTABLE, kM | kOnlyToFalse, F()},
                  {CKA_ALWAYS_SENSITIVE, kTokenSet},
                  {CKA_NEVER_EXTRACTABLE, kTokenSet},
                  {CKA_WRAP_WITH_TRUSTED, kOnlyToTrue | kM, F()},
                  {CKA_UNWRAP_TEMPLATE, 0},
                  {CKA_ALWAYS_AUTHENTICATE, 0, F()},
                  {CKA_PUBLIC_KEY_INFO, 0},
                  // Only to TRUE: turning it off would free a key from the token's certification (issue 14).
                  {CKA_CF_REQUIRES_ADMISSION, kM | kOnlyToTrue, F()}});
  constexpr uint32_t kPart = kRequiredOnCreate | kNotOnGenerate | kNotOnUnwrap | kSensitive;
  if (type == CKK_RSA) {
    Add(&s->rules, {{CKA_MODULUS, kRequiredOnCreate | kNotOnGenerate | kNotOnUnwrap},
                    {CKA_PUBLIC_EXPONENT, kNotOnGenerate | kNotOnUnwrap},
                    {CKA_PRIVATE_EXPONENT, kPart},
                    {CKA_PRIME_1, kPart & ~kRequiredOnCreate},
                    {CKA_PRIME_2, kPart & ~kRequiredOnCreate},
                    {CKA_EXPONENT_1, kPart & ~kRequiredOnCreate},
                    {CKA_EXPONENT_2, kPart & ~kRequiredOnCreate},
                    {CKA_COEFFICIENT, kPart & ~kRequiredOnCreate}});
  } else {
    Add(&s->rules, {{CKA_EC_PARAMS, kRequiredOnCreate | kNotOnGenerate | kNotOnUnwrap},
                    {CKA_VALUE, kPart},
                    // Kept beside the private value so the public half is derivable without the key (internal).
                    {CKA_EC_POINT, kNotOnCreate | kNotOnGenerate | kNotOnUnwrap | kTokenSet}});
  }
  return s;
}

std::unique_ptr<Schema> SecretKey(CK_KEY_TYPE type) {
  auto s = std::make_unique<Schema>();
  s->object_class = CKO_SECRET_KEY;
  Add(&s->rules, Storage(true));
  Add(&s->rules, KeyCommon());
  Add(&s->rules, {{CKA_SENSITIVE, kM | kOnlyToTrue, T()},
                  {CKA_ENCRYPT, kUse, T()},
                  {CKA_DECRYPT, kUse, T()},
                  {CKA_SIGN, kUse, T()},
                  {CKA_VERIFY, kUse, T()},
                  {CKA_WRAP, kUse, F()},
                  {CKA_UNWRAP, kUse, F()},
                  {CKA_EXTRACTABLE, kM | kOnlyToFalse, F()},
                  {CKA_ALWAYS_SENSITIVE, kTokenSet},
                  {CKA_NEVER_EXTRACTABLE, kTokenSet},
                  {CKA_CHECK_VALUE, kTokenSet},
                  {CKA_WRAP_WITH_TRUSTED, kOnlyToTrue | kM, F()},
                  {CKA_TRUSTED, kSoOnlyTrue, F()},
                  {CKA_WRAP_TEMPLATE, 0},
                  {CKA_UNWRAP_TEMPLATE, 0},
                  {CKA_CF_REQUIRES_ADMISSION, kM | kOnlyToTrue, F()},
                  {CKA_VALUE, kRequiredOnCreate | kNotOnGenerate | kNotOnUnwrap | kSensitive},
                  {CKA_VALUE_LEN, kNotOnCreate}});
  (void)type;
  return s;
}

std::unique_ptr<Schema> Data() {
  auto s = std::make_unique<Schema>();
  s->object_class = CKO_DATA;
  Add(&s->rules, Storage(false));
  Add(&s->rules, {{CKA_APPLICATION, kM, Bytes{}}, {CKA_OBJECT_ID, kM, Bytes{}}, {CKA_VALUE, kM, Bytes{}}});
  return s;
}

std::unique_ptr<Schema> X509Certificate() {
  auto s = std::make_unique<Schema>();
  s->object_class = CKO_CERTIFICATE;
  Add(&s->rules, Storage(false));
  Add(&s->rules, {{CKA_CERTIFICATE_TYPE, kRequiredOnCreate},
                  {CKA_TRUSTED, kSoOnlyTrue, F()},
                  {CKA_CERTIFICATE_CATEGORY, 0, EncodeUlong(0)},
                  {CKA_CHECK_VALUE, kTokenSet},
                  {CKA_START_DATE, kM, Bytes{}},
                  {CKA_END_DATE, kM, Bytes{}},
                  {CKA_PUBLIC_KEY_INFO, 0, Bytes{}},
                  {CKA_SUBJECT, kRequiredOnCreate},
                  {CKA_ID, kM, Bytes{}},
                  {CKA_ISSUER, kM, Bytes{}},
                  {CKA_SERIAL_NUMBER, kM, Bytes{}},
                  {CKA_VALUE, kRequiredOnCreate},
                  {CKA_URL, 0},
                  {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, 0, Bytes{}},
                  {CKA_HASH_OF_ISSUER_PUBLIC_KEY, 0, Bytes{}},
                  {CKA_JAVA_MIDP_SECURITY_DOMAIN, 0, EncodeUlong(0)},
                  {CKA_NAME_HASH_ALGORITHM, 0}});
  return s;
}

using SchemaKey = std::pair<CK_OBJECT_CLASS, CK_ULONG>;

const std::map<SchemaKey, std::unique_ptr<Schema>>& Schemas() {
  static const auto* schemas = [] {
    auto* m = new std::map<SchemaKey, std::unique_ptr<Schema>>();
    (*m)[{CKO_DATA, 0}] = Data();
    (*m)[{CKO_CERTIFICATE, CKC_X_509}] = X509Certificate();
    for (CK_KEY_TYPE t : {CKK_RSA, CKK_EC, CKK_EC_EDWARDS}) {
      (*m)[{CKO_PUBLIC_KEY, t}] = PublicKey(t);
      (*m)[{CKO_PRIVATE_KEY, t}] = PrivateKey(t);
    }
    for (CK_KEY_TYPE t : {CKK_AES, CKK_GENERIC_SECRET, CKK_HKDF}) (*m)[{CKO_SECRET_KEY, t}] = SecretKey(t);
    return m;
  }();
  return *schemas;
}

bool Creating(TemplateOp op) { return op != TemplateOp::kCopy && op != TemplateOp::kSet; }

}  // namespace

const AttrRule* Schema::Find(CK_ATTRIBUTE_TYPE type) const {
  for (const AttrRule& r : rules)
    if (r.type == type) return &r;
  return nullptr;
}

Result<const Schema*> SchemaFor(CK_OBJECT_CLASS object_class, CK_ULONG subtype) {
  if (object_class == CKO_DATA) subtype = 0;
  auto it = Schemas().find({object_class, subtype});
  if (it != Schemas().end()) return static_cast<const Schema*>(it->second.get());
  if (object_class == CKO_DATA || object_class == CKO_CERTIFICATE || object_class == CKO_PUBLIC_KEY ||
      object_class == CKO_PRIVATE_KEY || object_class == CKO_SECRET_KEY) {
    return Rv(object_class == CKO_CERTIFICATE ? CKR_ATTRIBUTE_VALUE_INVALID : CKR_TEMPLATE_INCONSISTENT,
              "object class " + std::to_string(object_class) + " with type " + std::to_string(subtype) +
                  " is not supported (keys: RSA, EC, EC_EDWARDS, AES, GENERIC_SECRET, HKDF; certificates: X.509)");
  }
  return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CLASS " + std::to_string(object_class) + " is not supported");
}

Result<AttributeSet> ApplyTemplate(const Schema& schema, const AttributeSet& tmpl, TemplateOp op,
                                   const AttributeSet* existing, bool is_so) {
  AttributeSet out;
  if (!Creating(op) && existing != nullptr) out = *existing;
  for (const auto& [type, value] : tmpl.values()) {
    const AttrRule* rule = schema.Find(type);
    const AttrDef* def = FindAttr(type);
    if (rule == nullptr || def == nullptr)
      return Rv(CKR_ATTRIBUTE_TYPE_INVALID, AttrName(type) + " is not an attribute of this object class");
    CF_RETURN_IF_ERROR(CheckAttrValue(*def, value));
    const std::string name = def->name;
    auto read_only = [&](const std::string& why) { return Rv(CKR_ATTRIBUTE_READ_ONLY, name + " " + why); };
    if (rule->flags & kTokenSet) return read_only("is set by the token only");
    switch (op) {
      case TemplateOp::kCreate:
        if (rule->flags & kNotOnCreate) return read_only("cannot be given to C_CreateObject");
        break;
      case TemplateOp::kGenerate:
        if (rule->flags & kNotOnGenerate) return read_only("cannot be given when generating a key");
        break;
      case TemplateOp::kUnwrap:
      case TemplateOp::kDerive:
        if (rule->flags & kNotOnUnwrap) return read_only("cannot be given when unwrapping or deriving a key");
        break;
      case TemplateOp::kCopy:
      case TemplateOp::kSet: {
        bool allowed = (rule->flags & kModifiable) || (op == TemplateOp::kCopy && (rule->flags & kCopySettable));
        const SecureBytes* old = existing ? existing->Find(type) : nullptr;
        bool unchanged = old != nullptr && *old == value;
        if (!allowed && !unchanged) return read_only("cannot be changed after the object is created");
        if (old != nullptr && def->kind == AttrKind::kBool && !unchanged) {
          if ((rule->flags & kOnlyToTrue) && (*old)[0] == CK_TRUE)
            return Refuse(CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY", name + " can only change to TRUE");
          if ((rule->flags & kOnlyToFalse) && (*old)[0] == CK_FALSE) return read_only("can only change to FALSE");
        }
        // Absent reads as FALSE for a use (crypto_ops/key_ops test GetBool(usage, false)): a framework object
        // without CKA_WRAP must not gain it through a copy either.
        bool had_use = old != nullptr && old->size() == 1 && (*old)[0] == CK_TRUE;
        if ((rule->flags & kUsage) && value.size() == 1 && value[0] == CK_TRUE && !had_use)
          return Refuse(CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY",
                        name + " grants a use: after creation it can only be turned off, never on");
        break;
      }
    }
    if ((rule->flags & kSoOnlyTrue) && !is_so && value.size() == 1 && value[0] == CK_TRUE)
      return read_only("can be set to TRUE by the security officer only");
    out.Set(type, value);
  }
  if (Creating(op)) {
    for (const AttrRule& rule : schema.rules) {
      if (out.Has(rule.type)) continue;
      bool required = (op == TemplateOp::kCreate && (rule.flags & kRequiredOnCreate)) ||
                      (op == TemplateOp::kGenerate && (rule.flags & kRequiredOnGenerate)) ||
                      (op == TemplateOp::kUnwrap && (rule.flags & kRequiredOnUnwrap));
      if (required) return Rv(CKR_TEMPLATE_INCOMPLETE, AttrName(rule.type) + " is required to make this object");
    }
    // A key asked to wrap or unwrap does not silently also get the conflicting default role.
    bool wraps = out.GetBool(CKA_WRAP, false) || out.GetBool(CKA_UNWRAP, false);
    for (const AttrRule& rule : schema.rules) {
      if (out.Has(rule.type) || !rule.default_value) continue;
      if (wraps && (rule.type == CKA_ENCRYPT || rule.type == CKA_DECRYPT)) {
        out.SetBool(rule.type, false);
        continue;
      }
      out.Set(rule.type, *rule.default_value);
    }
  }
  CF_RETURN_IF_ERROR(CheckRoleConflicts(out));
  return out;
}

Status CheckRoleConflicts(const AttributeSet& attrs) {
  if (attrs.GetBool(CKA_WRAP, false) && attrs.GetBool(CKA_DECRYPT, false))
    return Rv(CKR_TEMPLATE_INCONSISTENT,
              "a key may not both wrap and decrypt (it would let wrapped keys be decrypted out of the token)");
  if (attrs.GetBool(CKA_UNWRAP, false) && attrs.GetBool(CKA_ENCRYPT, false))
    return Rv(CKR_TEMPLATE_INCONSISTENT,
              "a key may not both unwrap and encrypt (it would let chosen key values be imported)");
  return Status::Ok();
}

bool IsRevealable(const Schema& schema, const AttributeSet& attrs, CK_ATTRIBUTE_TYPE type) {
  const AttrRule* rule = schema.Find(type);
  if (rule == nullptr || !(rule->flags & kSensitive)) return true;
  return !attrs.GetBool(CKA_SENSITIVE, true) && attrs.GetBool(CKA_EXTRACTABLE, false);
}

}  // namespace cf::p11
