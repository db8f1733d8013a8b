// Key generation, wrapping, unwrapping and derivation over the registry rows.
#include "pkcs11/model/key_ops.h"

#include "pkcs11/mech/registry.h"
#include "pkcs11/model/crypto_ops.h"
#include "pkcs11/model/key_description.h"
#include "pkcs11/model/object_ops.h"
#include "pkcs11/model/private_key_encoding.h"

namespace cf::p11 {
namespace {

Result<const MechanismRow*> RowFor(const CK_MECHANISM& mechanism) {
  const MechanismRow* row = Registry::Get().Find(mechanism.mechanism);
  if (row == nullptr) return Rv(CKR_MECHANISM_INVALID, "unknown mechanism " + std::to_string(mechanism.mechanism));
  return row;
}

Result<ObjectPtr> KeyObject(Module& module, Session& session, CK_OBJECT_HANDLE handle, CK_RV invalid_rv) {
  auto obj = ResolveObject(module, session, handle);
  if (!obj.ok() && obj.status().detail() == CKR_OBJECT_HANDLE_INVALID) return Rv(invalid_rv, obj.status().message());
  if (obj.ok() && !(*obj)->is_key()) return Rv(invalid_rv, "object " + std::to_string(handle) + " is not a key");
  return obj;
}

// Token-set lifecycle attributes of a key made inside the token (section 4.9 footnotes).
void MarkLocal(AttributeSet* attrs, CK_MECHANISM_TYPE mechanism) {
  attrs->SetBool(CKA_LOCAL, true);
  attrs->SetUlong(CKA_KEY_GEN_MECHANISM, mechanism);
  if (attrs->Has(CKA_SENSITIVE)) {
    attrs->SetBool(CKA_ALWAYS_SENSITIVE, attrs->GetBool(CKA_SENSITIVE, true));
    attrs->SetBool(CKA_NEVER_EXTRACTABLE, !attrs->GetBool(CKA_EXTRACTABLE, false));
  }
}

AttributeSet WithClass(const AttributeSet& tmpl, CK_OBJECT_CLASS c, CK_KEY_TYPE t) {
  AttributeSet out = tmpl;
  out.SetUlong(CKA_CLASS, c);
  out.SetUlong(CKA_KEY_TYPE, t);
  return out;
}

Status CheckClass(const AttributeSet& tmpl, CK_OBJECT_CLASS want) {
  auto c = tmpl.GetUlong(CKA_CLASS);
  if (c && *c != want) return Rv(CKR_TEMPLATE_INCONSISTENT, "CKA_CLASS does not fit this mechanism");
  return Status::Ok();
}

}  // namespace

Result<CK_OBJECT_HANDLE> GenerateKey(Module& module, Session& session, const CK_MECHANISM& mechanism,
                                     const AttributeSet& tmpl) {
  CF_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism));
  if (!row->generate_key) return Rv(CKR_MECHANISM_INVALID, std::string(row->name) + " does not generate keys");
  CF_RETURN_IF_ERROR(CheckClass(tmpl, CKO_SECRET_KEY));
  CK_KEY_TYPE key_type =
      tmpl.GetUlong(CKA_KEY_TYPE).value_or(row->key_types.empty() ? CKK_GENERIC_SECRET : row->key_types.front());
  CF_ASSIGN_OR_RETURN(const Schema* schema, SchemaFor(CKO_SECRET_KEY, key_type));
  CF_ASSIGN_OR_RETURN(AttributeSet attrs, ApplyTemplate(*schema, WithClass(tmpl, CKO_SECRET_KEY, key_type),
                                                        TemplateOp::kGenerate, nullptr, session.SoLoggedIn()));
  CF_ASSIGN_OR_RETURN(KeyMaterial material, row->generate_key(mechanism, tmpl.Lookup()));
  CF_RETURN_IF_ERROR(AddKeyDescription(material, &attrs));
  attrs.SetUlong(CKA_KEY_TYPE, material.key_type);
  MarkLocal(&attrs, mechanism.mechanism);
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, StoreObject(module, session, std::move(attrs)));
  return obj->handle;
}

Result<std::pair<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE>> GenerateKeyPair(Module& module, Session& session,
                                                                      const CK_MECHANISM& mechanism,
                                                                      const AttributeSet& public_tmpl,
                                                                      const AttributeSet& private_tmpl) {
  CF_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism));
  if (!row->generate_key_pair)
    return Rv(CKR_MECHANISM_INVALID, std::string(row->name) + " does not generate key pairs");
  CF_RETURN_IF_ERROR(CheckClass(public_tmpl, CKO_PUBLIC_KEY));
  CF_RETURN_IF_ERROR(CheckClass(private_tmpl, CKO_PRIVATE_KEY));
  CK_KEY_TYPE key_type =
      public_tmpl.GetUlong(CKA_KEY_TYPE)
          .value_or(
              private_tmpl.GetUlong(CKA_KEY_TYPE).value_or(row->key_types.empty() ? CKK_RSA : row->key_types.front()));
  CF_ASSIGN_OR_RETURN(const Schema* pub_schema, SchemaFor(CKO_PUBLIC_KEY, key_type));
  CF_ASSIGN_OR_RETURN(const Schema* priv_schema, SchemaFor(CKO_PRIVATE_KEY, key_type));
  CF_ASSIGN_OR_RETURN(AttributeSet pub, ApplyTemplate(*pub_schema, WithClass(public_tmpl, CKO_PUBLIC_KEY, key_type),
                                                      TemplateOp::kGenerate, nullptr, session.SoLoggedIn()));
  CF_ASSIGN_OR_RETURN(AttributeSet priv, ApplyTemplate(*priv_schema, WithClass(private_tmpl, CKO_PRIVATE_KEY, key_type),
                                                       TemplateOp::kGenerate, nullptr, session.SoLoggedIn()));
  CF_ASSIGN_OR_RETURN(GeneratedKeyPair pair,
                      row->generate_key_pair(mechanism, public_tmpl.Lookup(), private_tmpl.Lookup()));
  CF_RETURN_IF_ERROR(AddKeyDescription(pair.public_key, &pub));
  CF_RETURN_IF_ERROR(AddKeyDescription(pair.private_key, &priv));
  MarkLocal(&pub, mechanism.mechanism);
  MarkLocal(&priv, mechanism.mechanism);
  CF_ASSIGN_OR_RETURN(auto objects, StoreObjectPair(module, session, std::move(pub), std::move(priv)));
  return std::make_pair(objects.first->handle, objects.second->handle);
}

Result<SecureBytes> WrapKey(Module& module, Session& session, const CK_MECHANISM& mechanism,
                            CK_OBJECT_HANDLE wrapping_key, CK_OBJECT_HANDLE key) {
  CF_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism));
  CF_RETURN_IF_ERROR(session.token().CheckMechanism(*row, CKF_WRAP));
  CF_ASSIGN_OR_RETURN(ObjectPtr wrapper, KeyObject(module, session, wrapping_key, CKR_WRAPPING_KEY_HANDLE_INVALID));
  CF_ASSIGN_OR_RETURN(ObjectPtr target, KeyObject(module, session, key, CKR_KEY_HANDLE_INVALID));
  if (!wrapper->attrs.GetBool(CKA_WRAP, false))
    return Rv(CKR_KEY_FUNCTION_NOT_PERMITTED, "the wrapping key does not have CKA_WRAP");
  CF_RETURN_IF_ERROR(session.token().CheckKeyUse(*wrapper));
  if (wrapper->handle == target->handle) return Rv(CKR_KEY_NOT_WRAPPABLE, "a key cannot wrap itself");
  if (!target->attrs.GetBool(CKA_EXTRACTABLE, false))
    return Rv(CKR_KEY_UNEXTRACTABLE, "the key has CKA_EXTRACTABLE false");
  if (target->attrs.GetBool(CKA_WRAP_WITH_TRUSTED, false) && !wrapper->attrs.GetBool(CKA_TRUSTED, false))
    return Rv(CKR_KEY_NOT_WRAPPABLE, "the key has CKA_WRAP_WITH_TRUSTED and the wrapping key is not CKA_TRUSTED");
  if (auto wt = wrapper->attrs.View(CKA_WRAP_TEMPLATE); wt && !wt->empty()) {
    CF_ASSIGN_OR_RETURN(AttributeSet pattern, DecodeNested(*wt));
    if (!target->attrs.Matches(pattern))
      return Rv(CKR_KEY_NOT_WRAPPABLE, "the key does not match the wrapping key's CKA_WRAP_TEMPLATE");
  }
  // What is wrapped: a secret key's value, or a private key as PKCS#8 (use a padding mechanism such as
  // CKM_AES_KEY_WRAP_KWP for those: their length is rarely a multiple of 8).
  SecureBytes plain;
  if (target->object_class() == CKO_SECRET_KEY) {
    const SecureBytes* value = target->attrs.Find(CKA_VALUE);
    if (value == nullptr) return Rv(CKR_KEY_NOT_WRAPPABLE, "the secret key has no value to wrap");
    plain = *value;
  } else if (target->object_class() == CKO_PRIVATE_KEY) {
    CF_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> key_material, target->Key());
    CF_ASSIGN_OR_RETURN(plain, PrivateKeyToPkcs8(*key_material));
  } else {
    return Rv(CKR_KEY_NOT_WRAPPABLE, "public keys are not wrapped; read their attributes instead");
  }
  CF_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, wrapper->Key());
  CF_ASSIGN_OR_RETURN(std::unique_ptr<Operation> op, row->create(OpKind::kWrap, mechanism, material.get()));
  SecureBytes out;
  CF_RETURN_IF_ERROR(op->OneShot(ByteView(plain.data(), plain.size()), &out));
  return out;
}

Result<CK_OBJECT_HANDLE> UnwrapKey(Module& module, Session& session, const CK_MECHANISM& mechanism,
                                   CK_OBJECT_HANDLE unwrapping_key, ByteView wrapped, const AttributeSet& tmpl) {
  CF_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism));
  CF_RETURN_IF_ERROR(session.token().CheckMechanism(*row, CKF_UNWRAP));
  CF_ASSIGN_OR_RETURN(ObjectPtr unwrapper,
                      KeyObject(module, session, unwrapping_key, CKR_UNWRAPPING_KEY_HANDLE_INVALID));
  if (!unwrapper->attrs.GetBool(CKA_UNWRAP, false))
    return Rv(CKR_KEY_FUNCTION_NOT_PERMITTED, "the unwrapping key does not have CKA_UNWRAP");
  CF_RETURN_IF_ERROR(session.token().CheckKeyUse(*unwrapper));
  CF_RETURN_IF_ERROR(PassContextGate(session, *unwrapper, "C_UnwrapKey"));
  AttributeSet request = tmpl;
  if (auto ut = unwrapper->attrs.View(CKA_UNWRAP_TEMPLATE); ut && !ut->empty()) {
    CF_ASSIGN_OR_RETURN(AttributeSet forced, DecodeNested(*ut));
    for (const auto& [type, value] : forced.values()) {
      const SecureBytes* asked = request.Find(type);
      if (asked && *asked != value)
        return Rv(CKR_TEMPLATE_INCONSISTENT, "the template contradicts the unwrapping key's CKA_UNWRAP_TEMPLATE");
      request.Set(type, value);
    }
  }
  // Secret keys (their value) and private keys (PKCS#8) come back; CKA_CLASS says which, secret by default.
  CK_OBJECT_CLASS object_class = request.GetUlong(CKA_CLASS).value_or(CKO_SECRET_KEY);
  if (object_class != CKO_SECRET_KEY && object_class != CKO_PRIVATE_KEY)
    return Rv(CKR_TEMPLATE_INCONSISTENT, "only secret and private keys can be unwrapped");
  auto key_type = request.GetUlong(CKA_KEY_TYPE);
  if (!key_type) return Rv(CKR_TEMPLATE_INCOMPLETE, "CKA_KEY_TYPE is required to unwrap a key");
  CF_ASSIGN_OR_RETURN(const Schema* schema, SchemaFor(object_class, *key_type));
  CF_ASSIGN_OR_RETURN(AttributeSet attrs, ApplyTemplate(*schema, WithClass(request, object_class, *key_type),
                                                        TemplateOp::kUnwrap, nullptr, session.SoLoggedIn()));
  // Re-import as non-sensitive (Clulow 2003): the wrapped bytes may be a sensitive key wrapped out of this token;
  // unwrapping them into a readable key would reveal it. Keys enter in clear through C_CreateObject instead.
  if (!attrs.GetBool(CKA_SENSITIVE, true))
    return Rv(CKR_TEMPLATE_INCONSISTENT,
              "an unwrapped key is always CKA_SENSITIVE: a wrapped sensitive key must "
              "not come back readable (import clear keys with C_CreateObject)");
  CF_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, unwrapper->Key());
  CF_ASSIGN_OR_RETURN(std::unique_ptr<Operation> op, row->create(OpKind::kUnwrap, mechanism, material.get()));
  SecureBytes value;
  Status s = op->OneShot(wrapped, &value);
  if (!s.ok()) return s.has_detail() ? s : Rv(CKR_WRAPPED_KEY_INVALID, s.message());
  if (object_class == CKO_PRIVATE_KEY) {
    CF_ASSIGN_OR_RETURN(KeyMaterial key, PrivateKeyFromPkcs8(ByteView(value.data(), value.size()), *key_type));
    CF_RETURN_IF_ERROR(AddKeyDescription(key, &attrs));
  } else {
    // CKA_VALUE_LEN cannot be used to re-import a different-length (truncated) key.
    if (auto len = attrs.GetUlong(CKA_VALUE_LEN); len && *len != value.size())
      return Rv(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN " + std::to_string(*len) + " differs from the unwrapped " +
                                               std::to_string(value.size()) + " bytes");
    attrs.Set(CKA_VALUE, value);
    CF_RETURN_IF_ERROR(CompleteKeyAttributes(&attrs));
  }
  attrs.SetBool(CKA_LOCAL, false);
  attrs.SetUlong(CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
  attrs.SetBool(CKA_ALWAYS_SENSITIVE, false);
  attrs.SetBool(CKA_NEVER_EXTRACTABLE, false);
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, StoreObject(module, session, std::move(attrs)));
  return obj->handle;
}

Result<CK_OBJECT_HANDLE> DeriveKey(Module& module, Session& session, const CK_MECHANISM& mechanism,
                                   CK_OBJECT_HANDLE base_key, const AttributeSet& tmpl) {
  CF_ASSIGN_OR_RETURN(const MechanismRow* row, RowFor(mechanism));
  if (!row->derive) return Rv(CKR_MECHANISM_INVALID, std::string(row->name) + " does not derive keys");
  CF_ASSIGN_OR_RETURN(ObjectPtr base, KeyObject(module, session, base_key, CKR_KEY_HANDLE_INVALID));
  if (!base->attrs.GetBool(CKA_DERIVE, false))
    return Rv(CKR_KEY_FUNCTION_NOT_PERMITTED, "the base key does not have CKA_DERIVE");
  CF_RETURN_IF_ERROR(session.token().CheckKeyUse(*base));
  CF_RETURN_IF_ERROR(PassContextGate(session, *base, "C_DeriveKey"));
  CF_RETURN_IF_ERROR(CheckClass(tmpl, row->derive_class));
  DeriveContext context;
  context.value_len = tmpl.GetUlong(CKA_VALUE_LEN);
  // A second key named in the parameter (HKDF's hSaltKey) passes the same gates as the base key, and its
  // lifecycle attributes bound the result's as the base key's do: its bytes went into the result too.
  ObjectPtr other_key;
  context.other_key = [&](CK_OBJECT_HANDLE handle) -> Result<std::shared_ptr<const KeyMaterial>> {
    CF_ASSIGN_OR_RETURN(ObjectPtr other, KeyObject(module, session, handle, CKR_KEY_HANDLE_INVALID));
    if (!other->attrs.GetBool(CKA_DERIVE, false))
      return Rv(CKR_KEY_FUNCTION_NOT_PERMITTED, "the key named in the mechanism parameter does not have CKA_DERIVE");
    CF_RETURN_IF_ERROR(session.token().CheckKeyUse(*other));
    CF_RETURN_IF_ERROR(PassContextGate(session, *other, "C_DeriveKey"));
    other_key = other;
    return other->Key();
  };
  auto inputs_have = [&](CK_ATTRIBUTE_TYPE lifecycle) {
    return base->attrs.GetBool(lifecycle, false) && (!other_key || other_key->attrs.GetBool(lifecycle, false));
  };
  // Cuts the derived bytes to CKA_VALUE_LEN; more bytes than the mechanism gave cannot be asked for.
  auto fit = [&](SecureBytes* secret) -> Status {
    if (!context.value_len) return Status::Ok();
    if (*context.value_len == 0 || *context.value_len > secret->size())
      return Rv(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN " + std::to_string(*context.value_len) + " exceeds the " +
                                               std::to_string(secret->size()) + " derived bytes");
    secret->resize(*context.value_len);
    return Status::Ok();
  };
  CF_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, base->Key());
  if (row->derive_class == CKO_DATA) {
    // CKM_HKDF_DATA: the bytes go into a data object, readable like any data object; CKA_VALUE_LEN only says how
    // many (a data object has no such attribute), and the value is the mechanism's to give.
    AttributeSet request = tmpl;
    request.Erase(CKA_VALUE_LEN);
    if (request.Has(CKA_VALUE))
      return Rv(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE of a derived data object is set by the mechanism");
    request.SetUlong(CKA_CLASS, CKO_DATA);
    CF_ASSIGN_OR_RETURN(const Schema* schema, SchemaFor(CKO_DATA, 0));
    CF_ASSIGN_OR_RETURN(AttributeSet attrs,
                        ApplyTemplate(*schema, request, TemplateOp::kDerive, nullptr, session.SoLoggedIn()));
    DefaultPrivacyOfSessionObject(request, session, &attrs);
    CF_ASSIGN_OR_RETURN(SecureBytes secret, row->derive(mechanism, *material, context));
    CF_RETURN_IF_ERROR(fit(&secret));
    attrs.Set(CKA_VALUE, secret);
    CF_ASSIGN_OR_RETURN(ObjectPtr obj, StoreObject(module, session, std::move(attrs)));
    return obj->handle;
  }
  CK_KEY_TYPE key_type = tmpl.GetUlong(CKA_KEY_TYPE).value_or(CKK_GENERIC_SECRET);
  CF_ASSIGN_OR_RETURN(const Schema* schema, SchemaFor(CKO_SECRET_KEY, key_type));
  CF_ASSIGN_OR_RETURN(AttributeSet attrs, ApplyTemplate(*schema, WithClass(tmpl, CKO_SECRET_KEY, key_type),
                                                        TemplateOp::kDerive, nullptr, session.SoLoggedIn()));
  DefaultPrivacyOfSessionObject(tmpl, session, &attrs);
  CF_ASSIGN_OR_RETURN(SecureBytes secret, row->derive(mechanism, *material, context));
  CF_RETURN_IF_ERROR(fit(&secret));
  attrs.Erase(CKA_VALUE_LEN);
  attrs.Set(CKA_VALUE, secret);
  CF_RETURN_IF_ERROR(CompleteKeyAttributes(&attrs));
  attrs.SetBool(CKA_LOCAL, false);
  attrs.SetUlong(CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
  // Lifecycle attributes propagate through derivation (section 4.9).
  attrs.SetBool(CKA_ALWAYS_SENSITIVE, inputs_have(CKA_ALWAYS_SENSITIVE) && attrs.GetBool(CKA_SENSITIVE, true));
  attrs.SetBool(CKA_NEVER_EXTRACTABLE, inputs_have(CKA_NEVER_EXTRACTABLE) && !attrs.GetBool(CKA_EXTRACTABLE, false));
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, StoreObject(module, session, std::move(attrs)));
  return obj->handle;
}

}  // namespace cf::p11
