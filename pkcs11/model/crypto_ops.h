// The cryptographic functions of PKCS#11 3.0 sections 5.8-5.13 over the mechanism registry: *Init checks (usage
// attribute, CKA_ALLOWED_MECHANISMS, key class and type against the row), and the output protocol that keeps a
// computed but undelivered result for the next call (checklist 34).
#pragma once

#include <optional>

#include "pkcs11/model/module.h"

namespace cf::p11 {

Status OperationInit(Module& module, Session& session, OpKind kind, const CK_MECHANISM& mechanism,
                     CK_OBJECT_HANDLE key_handle);

enum class Step { kOneShot, kUpdate, kFinal };

// What one call produces: data to copy out, or (rv CKR_BUFFER_TOO_SMALL / length query) only the length.
struct StepOutput {
  CK_RV rv = CKR_OK;
  size_t length = 0;
  SecureBytes data;
  bool length_only = false;
  bool written = false;  // a one-shot wrote its length bytes straight into dest; data is empty
};

// capacity: nullopt when the caller passed no output buffer (a length query that keeps the operation).
// dest: the caller's buffer of capacity bytes; a one-shot whose bound fits writes into it directly.
Result<StepOutput> RunStep(Session& session, OpKind kind, Step step, ByteView input, std::optional<size_t> capacity,
                           uint8_t* dest = nullptr);
// C_Verify (one-shot, final=false with data) and C_VerifyFinal (final=true, data ignored).
Status RunVerify(Session& session, ByteView data, ByteView signature, bool final);
// C_VerifyUpdate / C_SignUpdate / C_DigestUpdate: accumulate only.
Status AccumulateStep(Session& session, OpKind kind, ByteView input);
// C_DigestKey: a secret key's value into the active digest.
Status DigestKey(Module& module, Session& session, CK_OBJECT_HANDLE key_handle);
// CKU_CONTEXT_SPECIFIC login for the pending ALWAYS_AUTHENTICATE operation, or for the refused single-call use
// waiting at the session's context gate.
Status ContextLogin(Session& session, const SecureString& pin);
// The one CKA_ALWAYS_AUTHENTICATE rule (section 4.9): every use of such a key — sign, decrypt, unwrap, derive —
// needs C_Login(CKU_CONTEXT_SPECIFIC) right before it.
bool NeedsContextLogin(const Object& key);
// For the single-call uses (C_UnwrapKey, C_DeriveKey): CKR_USER_NOT_LOGGED_IN (and the gate left waiting) unless
// a context login opened the gate for this key since the refused call; an open gate is used up.
Status PassContextGate(Session& session, const Object& key, const char* use);

}  // namespace cf::p11
