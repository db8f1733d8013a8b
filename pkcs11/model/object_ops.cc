// Object functions (PKCS#11 3.0 section 5.7). Rules cited where they bite.
#include "pkcs11/model/object_ops.h"

#include <optional>

#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/model/attribute_table.h"
#include "pkcs11/model/key_description.h"

namespace cf::p11 {
namespace {

Result<const Schema*> SchemaOf(const AttributeSet& attrs) {
  auto object_class = attrs.GetUlong(CKA_CLASS);
  // Present but not a CK_ULONG is a bad value, not a missing attribute (section 5.7, C_CreateObject).
  if (!object_class && attrs.Has(CKA_CLASS))
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CLASS must be a CK_ULONG (" + std::to_string(sizeof(CK_ULONG)) +
                                               " bytes), got " + std::to_string(attrs.Find(CKA_CLASS)->size()));
  if (!object_class) return Rv(CKR_TEMPLATE_INCOMPLETE, "CKA_CLASS is required");
  CK_ULONG subtype = 0;
  if (*object_class == CKO_CERTIFICATE) {
    auto t = attrs.GetUlong(CKA_CERTIFICATE_TYPE);
    if (!t) return Rv(CKR_TEMPLATE_INCOMPLETE, "CKA_CERTIFICATE_TYPE is required for a certificate");
    subtype = *t;
  } else if (*object_class != CKO_DATA) {
    auto t = attrs.GetUlong(CKA_KEY_TYPE);
    if (!t) return Rv(CKR_TEMPLATE_INCOMPLETE, "CKA_KEY_TYPE is required for a key");
    subtype = *t;
  }
  return SchemaFor(*object_class, subtype);
}

// Checks the session may change this object (section 5.7: R/O sessions change no token object; private objects
// need the user). Section 5.2 (session states): the SO "has read/write access only to public objects" — an SO
// able to make private objects could plant a key the user then trusts as their own.
Status CheckWritable(const Session& session, bool token_object, bool private_object) {
  if (token_object && !session.rw()) return Rv(CKR_SESSION_READ_ONLY, "token objects need a read-write session");
  if (private_object && session.SoLoggedIn())
    return Refuse(CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN",
                  "the SO session works on public objects only (CKA_PRIVATE is TRUE)");
  if (private_object && !session.UserLoggedIn())
    return Rv(CKR_USER_NOT_LOGGED_IN, "private objects need C_Login(CKU_USER)");
  return Status::Ok();
}

}  // namespace

namespace {

Result<ObjectPtr> Resolve(Module& module, Session& session, CK_OBJECT_HANDLE handle, bool cached) {
  ObjectPtr obj;
  if (IsSessionHandle(handle)) {
    obj = module.FindSessionObject(handle);
    // Session objects are visible to every session of the application on that token (section 4.4).
    if (obj && module.FindSession(obj->session) &&
        module.FindSession(obj->session)->token().slot_id() != session.token().slot_id())
      obj = nullptr;
  } else {
    auto found = cached ? session.token().GetCached(handle) : session.token().Get(handle);
    if (!found.ok() && found.status().detail() != CKR_OBJECT_HANDLE_INVALID) return found.status();
    if (found.ok()) obj = *found;
  }
  if (!obj) return Rv(CKR_OBJECT_HANDLE_INVALID, "no object with handle " + std::to_string(handle));
  if (obj->is_private() && !session.UserLoggedIn())
    return Rv(CKR_OBJECT_HANDLE_INVALID, "object " + std::to_string(handle) + " is private: log in to see it");
  return obj;
}

}  // namespace

Result<ObjectPtr> ResolveObject(Module& module, Session& session, CK_OBJECT_HANDLE handle) {
  return Resolve(module, session, handle, false);
}

Result<ObjectPtr> ResolveCachedObject(Module& module, Session& session, CK_OBJECT_HANDLE handle) {
  return Resolve(module, session, handle, true);
}

Status CompleteKeyAttributes(AttributeSet* attrs) {
  CK_OBJECT_CLASS object_class = attrs->GetUlong(CKA_CLASS).value_or(CKO_DATA);
  CK_KEY_TYPE key_type = attrs->GetUlong(CKA_KEY_TYPE).value_or(CKK_GENERIC_SECRET);
  CF_ASSIGN_OR_RETURN(KeyMaterial material, ImportKey(object_class, key_type, attrs->Lookup()));
  return AddKeyDescription(material, attrs);
}

void DefaultPrivacyOfSessionObject(const AttributeSet& tmpl, const Session& session, AttributeSet* attrs) {
  if (!tmpl.Has(CKA_PRIVATE) && !attrs->GetBool(CKA_TOKEN, false) && !session.UserLoggedIn())
    attrs->SetBool(CKA_PRIVATE, false);
}

Result<ObjectPtr> StoreObject(Module& module, Session& session, AttributeSet attrs) {
  bool token_object = attrs.GetBool(CKA_TOKEN, false);
  CF_RETURN_IF_ERROR(CheckWritable(session, token_object, attrs.GetBool(CKA_PRIVATE, false)));
  if (token_object) return session.token().Create(attrs);
  CF_ASSIGN_OR_RETURN(const Schema* schema, SchemaOf(attrs));
  auto obj = std::make_shared<Object>();
  obj->attrs = std::move(attrs);
  obj->schema = schema;
  return module.AddSessionObject(std::move(obj), session.handle());
}

Result<std::pair<ObjectPtr, ObjectPtr>> StoreObjectPair(Module& module, Session& session, AttributeSet public_key,
                                                        AttributeSet private_key) {
  if (public_key.GetBool(CKA_TOKEN, false) && private_key.GetBool(CKA_TOKEN, false)) {
    CF_RETURN_IF_ERROR(CheckWritable(session, true, public_key.GetBool(CKA_PRIVATE, false)));
    CF_RETURN_IF_ERROR(CheckWritable(session, true, private_key.GetBool(CKA_PRIVATE, false)));
    return session.token().CreatePair(public_key, private_key);
  }
  // At least one half lives only in this session: a crash loses that half whatever we do.
  CF_ASSIGN_OR_RETURN(ObjectPtr pub, StoreObject(module, session, std::move(public_key)));
  auto priv = StoreObject(module, session, std::move(private_key));
  if (!priv.ok()) {
    // Never leave half a pair behind.
    if (pub->token)
      (void)session.token().Destroy(*pub);
    else
      module.RemoveSessionObject(pub->handle);
    return priv.status();
  }
  return std::make_pair(std::move(pub), std::move(*priv));
}

Result<CK_OBJECT_HANDLE> CreateObject(Module& module, Session& session, const AttributeSet& tmpl) {
  CF_ASSIGN_OR_RETURN(const Schema* schema, SchemaOf(tmpl));
  CF_ASSIGN_OR_RETURN(AttributeSet attrs,
                      ApplyTemplate(*schema, tmpl, TemplateOp::kCreate, nullptr, session.SoLoggedIn()));
  DefaultPrivacyOfSessionObject(tmpl, session, &attrs);
  CK_OBJECT_CLASS object_class = schema->object_class;
  if (object_class == CKO_PUBLIC_KEY || object_class == CKO_PRIVATE_KEY || object_class == CKO_SECRET_KEY) {
    CF_RETURN_IF_ERROR(CompleteKeyAttributes(&attrs));
    attrs.SetBool(CKA_LOCAL, false);
    attrs.SetUlong(CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
    if (object_class != CKO_PUBLIC_KEY) {
      // Imported key values were known outside the token (section 4.9: ALWAYS_SENSITIVE / NEVER_EXTRACTABLE).
      attrs.SetBool(CKA_ALWAYS_SENSITIVE, false);
      attrs.SetBool(CKA_NEVER_EXTRACTABLE, false);
    }
  }
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, StoreObject(module, session, std::move(attrs)));
  return obj->handle;
}

Result<CK_OBJECT_HANDLE> CopyObject(Module& module, Session& session, CK_OBJECT_HANDLE handle,
                                    const AttributeSet& tmpl) {
  CF_ASSIGN_OR_RETURN(ObjectPtr src, ResolveObject(module, session, handle));
  if (!src->attrs.GetBool(CKA_COPYABLE, true))
    return Rv(CKR_ACTION_PROHIBITED, "object " + std::to_string(handle) + " has CKA_COPYABLE false");
  AttributeSet base = src->attrs;
  for (CK_ATTRIBUTE_TYPE t : {CKA_CF_VERSION, CKA_CF_ENTRY_TYPE, CKA_UNIQUE_ID}) base.Erase(t);
  CF_ASSIGN_OR_RETURN(AttributeSet attrs,
                      ApplyTemplate(*src->schema, tmpl, TemplateOp::kCopy, &base, session.SoLoggedIn()));
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, StoreObject(module, session, std::move(attrs)));
  return obj->handle;
}

Status DestroyObject(Module& module, Session& session, CK_OBJECT_HANDLE handle) {
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, ResolveObject(module, session, handle));
  CF_RETURN_IF_ERROR(CheckWritable(session, obj->token, obj->is_private()));
  if (!obj->attrs.GetBool(CKA_DESTROYABLE, true))
    return Rv(CKR_ACTION_PROHIBITED, "object " + std::to_string(handle) + " has CKA_DESTROYABLE false");
  if (!obj->token) {
    module.RemoveSessionObject(handle);
    return Status::Ok();
  }
  return session.token().Destroy(*obj);
}

Status SetAttributes(Module& module, Session& session, CK_OBJECT_HANDLE handle, const AttributeSet& tmpl) {
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, ResolveObject(module, session, handle));
  CF_RETURN_IF_ERROR(CheckWritable(session, obj->token, obj->is_private()));
  if (!obj->attrs.GetBool(CKA_MODIFIABLE, true) || obj->read_only)
    return Rv(CKR_ACTION_PROHIBITED, "object " + std::to_string(handle) + " is not modifiable");
  CF_ASSIGN_OR_RETURN(AttributeSet attrs,
                      ApplyTemplate(*obj->schema, tmpl, TemplateOp::kSet, &obj->attrs, session.SoLoggedIn()));
  if (!obj->token) {
    auto copy = std::make_shared<Object>();
    copy->handle = obj->handle;
    copy->session = obj->session;
    copy->schema = obj->schema;
    copy->attrs = std::move(attrs);
    module.ReplaceSessionObject(std::move(copy));
    return Status::Ok();
  }
  // Every change, a relabel included, keeps the object's entry and so its handle (Token::Update).
  CF_ASSIGN_OR_RETURN(ObjectPtr updated, session.token().Update(*obj, attrs));
  (void)updated;
  return Status::Ok();
}

Result<CK_ULONG> ObjectSize(Module& module, Session& session, CK_OBJECT_HANDLE handle) {
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, ResolveObject(module, session, handle));
  CK_ULONG size = 0;
  for (const auto& [type, value] : obj->attrs.values()) size += sizeof(CK_ATTRIBUTE) + value.size();
  return size;
}

Result<ByteView> ReadAttribute(const Object& object, CK_ATTRIBUTE_TYPE type) {
  if (type == CKA_CF_LATEST && object.token) {
    // Computed, not stored: a newer version can come or go without touching this object's entry.
    static constexpr CK_BBOOL kTrue = CK_TRUE, kFalse = CK_FALSE;
    return ByteView(object.latest() ? &kTrue : &kFalse, 1);
  }
  const SecureBytes* value = object.attrs.Find(type);
  if (object.value_withheld && type == CKA_VALUE)
    return Rv(CKR_ATTRIBUTE_SENSITIVE, "CKA_VALUE of '" + object.tag +
                                           "' is a framework secret that is not exportable; cf-osutility --get-item "
                                           "reads it on this VM");
  if (object.schema != nullptr && !IsRevealable(*object.schema, object.attrs, type))
    return Rv(CKR_ATTRIBUTE_SENSITIVE, AttrName(type) + " of a sensitive or unextractable key is never revealed");
  if (object.object_class() == CKO_PRIVATE_KEY && type == CKA_EC_POINT)
    return Rv(CKR_ATTRIBUTE_TYPE_INVALID, "CKA_EC_POINT is an attribute of the public key");
  if (value == nullptr) {
    // Absent CKA_ALLOWED_MECHANISMS reads as empty, not invalid (pkcs11-provider relies on it).
    if (type == CKA_ALLOWED_MECHANISMS && object.is_key()) return ByteView();
    return Rv(CKR_ATTRIBUTE_TYPE_INVALID, AttrName(type) + " is not an attribute of this object");
  }
  return ByteView(value->data(), value->size());
}

Status FindObjectsInit(Module& module, Session& session, const AttributeSet& pattern) {
  if (session.find_active) return Rv(CKR_OPERATION_ACTIVE, "a search is already active in this session");
  bool user = session.UserLoggedIn();
  bool want_version = pattern.Has(CKA_CF_VERSION);
  // CKA_CF_LATEST is computed (ReadAttribute), so it is matched apart from the stored attributes; session objects,
  // which have no version, never match it.
  std::optional<bool> want_latest;
  const AttributeSet* match = &pattern;
  AttributeSet without_latest;
  if (pattern.Has(CKA_CF_LATEST)) {
    want_latest = pattern.GetBool(CKA_CF_LATEST, false);
    without_latest = pattern;
    without_latest.Erase(CKA_CF_LATEST);
    match = &without_latest;
  }
  std::vector<CK_OBJECT_HANDLE> results;
  auto consider = [&](const ObjectPtr& obj, bool shown) {
    if (obj->is_private() && !user) return;
    if (!want_version && !shown) return;
    if (want_latest && (!obj->token || obj->latest() != *want_latest)) return;
    if (obj->attrs.Matches(*match)) results.push_back(obj->handle);
  };
  bool token_only = pattern.Has(CKA_TOKEN) && pattern.GetBool(CKA_TOKEN, false);
  bool session_only = pattern.Has(CKA_TOKEN) && !pattern.GetBool(CKA_TOKEN, false);
  if (!session_only) {
    CF_ASSIGN_OR_RETURN(auto hits, session.token().Candidates(pattern));
    for (const auto& hit : hits) consider(hit.object, hit.shown);
  }
  if (!token_only) {
    for (const ObjectPtr& obj : module.SessionObjects(session.token().slot_id())) consider(obj, true);
  }
  session.find_results = std::move(results);
  session.find_position = 0;
  session.find_active = true;
  return Status::Ok();
}

}  // namespace cf::p11
