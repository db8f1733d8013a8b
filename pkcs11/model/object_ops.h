// The object functions of PKCS#11 3.0 section 5.7 over the model: who may see, create, change and destroy which
// object (session kind, login, CKA_PRIVATE, CKA_MODIFIABLE/COPYABLE/DESTROYABLE) and the attribute rules
// (ApplyTemplate, sensitive values). The ABI converts pointers; everything judged is here.
#pragma once

#include <utility>
#include <vector>

#include "pkcs11/model/module.h"

namespace cf::p11 {

// A handle the session may use: CKR_OBJECT_HANDLE_INVALID when unknown, another token's, or private before login.
Result<ObjectPtr> ResolveObject(Module& module, Session& session, CK_OBJECT_HANDLE handle);
// As ResolveObject, but a token object already cached is taken without the store's change check (crypto init).
Result<ObjectPtr> ResolveCachedObject(Module& module, Session& session, CK_OBJECT_HANDLE handle);

// Stores a complete attribute set as a token or session object after the session/login checks.
Result<ObjectPtr> StoreObject(Module& module, Session& session, AttributeSet attrs);
// Both halves of a key pair: token halves in one store write (a crash never leaves half a pair), otherwise one by
// one with the first removed again when the second fails.
Result<std::pair<ObjectPtr, ObjectPtr>> StoreObjectPair(Module& module, Session& session, AttributeSet public_key,
                                                        AttributeSet private_key);
// Fills in what follows from key material (DescribeKey) for a key made from a template: validates the material.
Status CompleteKeyAttributes(AttributeSet* attrs);

// CKA_PRIVATE's default is token-specific (base spec 4.4.1). Ours is TRUE, except for a session object made while
// no user is logged in and whose template does not say: such an object lives only in this application's sessions
// and holds what the application brought or derived from public objects, and a public-session caller could not
// make it otherwise (pkcs11-provider imports HKDF input keys this way before any login, e.g. in `nginx -t`).
void DefaultPrivacyOfSessionObject(const AttributeSet& tmpl, const Session& session, AttributeSet* attrs);

Result<CK_OBJECT_HANDLE> CreateObject(Module& module, Session& session, const AttributeSet& tmpl);
Result<CK_OBJECT_HANDLE> CopyObject(Module& module, Session& session, CK_OBJECT_HANDLE handle,
                                    const AttributeSet& tmpl);
Status DestroyObject(Module& module, Session& session, CK_OBJECT_HANDLE handle);
Status SetAttributes(Module& module, Session& session, CK_OBJECT_HANDLE handle, const AttributeSet& tmpl);
Result<CK_ULONG> ObjectSize(Module& module, Session& session, CK_OBJECT_HANDLE handle);

// One attribute read: the value, or CKR_ATTRIBUTE_SENSITIVE / CKR_ATTRIBUTE_TYPE_INVALID.
Result<ByteView> ReadAttribute(const Object& object, CK_ATTRIBUTE_TYPE type);

Status FindObjectsInit(Module& module, Session& session, const AttributeSet& pattern);

}  // namespace cf::p11
