// Object management functions (PKCS#11 3.0 section 5.7); the rules are in model/object_ops.cc.
#include "pkcs11/abi/convert.h"
#include "pkcs11/abi/entry.h"
#include "pkcs11/abi/functions.h"
#include "pkcs11/model/attribute_table.h"
#include "pkcs11/model/object_ops.h"

namespace cf::p11::abi {

// 5.7 C_CreateObject.
CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject) {
  return WithSession("C_CreateObject", hSession, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (phObject == nullptr) return Rv(CKR_ARGUMENTS_BAD, "phObject is null");
    CF_ASSIGN_OR_RETURN(AttributeSet tmpl, ReadTemplate(pTemplate, ulCount));
    CF_ASSIGN_OR_RETURN(*phObject, CreateObject(m, s, tmpl));
    return Status::Ok();
  });
}

// 5.7 C_CopyObject.
CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                   CK_OBJECT_HANDLE_PTR phNewObject) {
  return WithSession("C_CopyObject", hSession, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (phNewObject == nullptr) return Rv(CKR_ARGUMENTS_BAD, "phNewObject is null");
    CF_ASSIGN_OR_RETURN(AttributeSet tmpl, ReadTemplate(pTemplate, ulCount));
    CF_ASSIGN_OR_RETURN(*phNewObject, CopyObject(m, s, hObject, tmpl));
    return Status::Ok();
  });
}

// 5.7 C_DestroyObject.
CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) {
  return WithSession("C_DestroyObject", hSession, Need::kAny,
                     [&](Module& m, Session& s) -> Status { return DestroyObject(m, s, hObject); });
}

// 5.7 C_GetObjectSize: an approximation of the stored size, as the specification allows.
CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize) {
  return WithSession("C_GetObjectSize", hSession, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (pulSize == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pulSize is null");
    CF_ASSIGN_OR_RETURN(*pulSize, ObjectSize(m, s, hObject));
    return Status::Ok();
  });
}

// 5.7 C_GetAttributeValue: every attribute is processed; per-attribute CK_UNAVAILABLE_INFORMATION, and the call
// returns the last per-attribute error (SENSITIVE, TYPE_INVALID, BUFFER_TOO_SMALL) or CKR_OK.
CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                          CK_ULONG ulCount) {
  return WithSession("C_GetAttributeValue", hSession, Need::kAny, [&](Module& m, Session& s) -> CK_RV {
    if (pTemplate == nullptr && ulCount > 0) return CKR_ARGUMENTS_BAD;
    auto obj = ResolveObject(m, s, hObject);
    if (!obj.ok()) return Finish("C_GetAttributeValue", obj.status());
    CK_RV rv = CKR_OK;
    Status refused = Status::Ok();  // why a sensitive attribute was withheld: the refusal is logged (SECURITY.md)
    for (CK_ULONG i = 0; i < ulCount; ++i) {
      const AttrDef* def = FindAttr(pTemplate[i].type);
      bool nested = def != nullptr && def->kind == AttrKind::kTemplate;
      Result<ByteView> value = ReadAttribute(**obj, pTemplate[i].type);
      if (!value.ok() && ToRv(value.status()) == CKR_ATTRIBUTE_SENSITIVE) refused = value.status();
      CK_RV r = DeliverAttribute(value, nested, &pTemplate[i]);
      if (r != CKR_OK) rv = r;
    }
    return refused.ok() ? rv : Log("C_GetAttributeValue", rv, refused);
  });
}

// 5.7 C_SetAttributeValue.
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                          CK_ULONG ulCount) {
  return WithSession("C_SetAttributeValue", hSession, Need::kAny, [&](Module& m, Session& s) -> Status {
    CF_ASSIGN_OR_RETURN(AttributeSet tmpl, ReadTemplate(pTemplate, ulCount));
    return SetAttributes(m, s, hObject, tmpl);
  });
}

// 5.7 C_FindObjectsInit: private objects only after login; the latest version per label/type unless the template
// names CKA_CF_VERSION.
CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return WithSession("C_FindObjectsInit", hSession, Need::kAny, [&](Module& m, Session& s) -> Status {
    CF_ASSIGN_OR_RETURN(AttributeSet pattern, ReadTemplate(pTemplate, ulCount));
    return FindObjectsInit(m, s, pattern);
  });
}

// 5.7 C_FindObjects.
CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,
                    CK_ULONG_PTR pulObjectCount) {
  return WithSession("C_FindObjects", hSession, Need::kAny, [&](Module&, Session& s) -> CK_RV {
    if (phObject == nullptr || pulObjectCount == nullptr) return CKR_ARGUMENTS_BAD;
    if (!s.find_active) return CKR_OPERATION_NOT_INITIALIZED;
    CK_ULONG n = 0;
    while (n < ulMaxObjectCount && s.find_position < s.find_results.size())
      phObject[n++] = s.find_results[s.find_position++];
    *pulObjectCount = n;
    return CKR_OK;
  });
}

// 5.7 C_FindObjectsFinal.
CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) {
  return WithSession("C_FindObjectsFinal", hSession, Need::kAny, [&](Module&, Session& s) -> CK_RV {
    if (!s.find_active) return CKR_OPERATION_NOT_INITIALIZED;
    s.find_active = false;
    s.find_results.clear();
    return CKR_OK;
  });
}

}  // namespace cf::p11::abi
