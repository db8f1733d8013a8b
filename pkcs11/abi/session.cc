// Session management functions (PKCS#11 3.0 section 5.6), login and operation state included.
#include <cstring>

#include "pkcs11/abi/convert.h"
#include "pkcs11/abi/entry.h"
#include "pkcs11/abi/functions.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/model/crypto_ops.h"
#include "pkcs11/model/operation_state.h"

namespace cf::p11::abi {

// 5.6 C_OpenSession: CKF_SERIAL_SESSION is mandatory; notifications are not used.
CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
                    CK_SESSION_HANDLE_PTR phSession) {
  return WithModule("C_OpenSession", [&](Module& m) -> Status {
    if (phSession == nullptr) return Rv(CKR_ARGUMENTS_BAD, "phSession is null");
    if (!(flags & CKF_SERIAL_SESSION)) return Rv(CKR_SESSION_PARALLEL_NOT_SUPPORTED, "CKF_SERIAL_SESSION must be set");
    CF_ASSIGN_OR_RETURN(*phSession, m.OpenSession(slotID, flags));
    return Status::Ok();
  });
}

// 5.6 C_CloseSession: its session objects go; the last session on a token logs the application out.
CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
  return WithModule("C_CloseSession", [&](Module& m) -> Status { return m.CloseSession(hSession); });
}

// 5.6 C_CloseAllSessions.
CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  return WithModule("C_CloseAllSessions", [&](Module& m) -> Status { return m.CloseAllSessions(slotID); });
}

// 5.6 C_GetSessionInfo.
CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  return WithSession("C_GetSessionInfo", hSession, Need::kAny, [&](Module&, Session& s) -> CK_RV {
    if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
    pInfo->slotID = s.token().slot_id();
    pInfo->state = s.State();
    pInfo->flags = CKF_SERIAL_SESSION | (s.rw() ? CKF_RW_SESSION : 0);
    pInfo->ulDeviceError = 0;
    return CKR_OK;
  });
}

// 5.6 C_GetOperationState: a digest in progress is saved (pkcs11-provider duplicates digest contexts this way,
// for every TLS 1.3 transcript hash); any other operation answers CKR_STATE_UNSAVEABLE (model/operation_state.h).
// Buffer protocol of section 5.2: null pOperationState asks for the length; too small is CKR_BUFFER_TOO_SMALL.
// No failure here ends the operation: a client that cannot copy the context goes on with the original.
CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG_PTR pulOperationStateLen) {
  return WithSession("C_GetOperationState", hSession, Need::kAny, [&](Module&, Session& s) -> Status {
    if (pulOperationStateLen == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pulOperationStateLen is null");
    CF_ASSIGN_OR_RETURN(SecureBytes state, SaveOperationState(s));
    CK_ULONG capacity = *pulOperationStateLen;
    *pulOperationStateLen = state.size();
    if (pOperationState == nullptr) return Status::Ok();
    if (capacity < state.size())
      return Rv(CKR_BUFFER_TOO_SMALL, "the state takes " + std::to_string(state.size()) + " bytes");
    std::memcpy(pOperationState, state.data(), state.size());
    return Status::Ok();
  });
}

// 5.6 C_SetOperationState: restores what C_GetOperationState gave, in any session of any process with this module.
CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG ulOperationStateLen,
                          CK_OBJECT_HANDLE hEncryptionKey, CK_OBJECT_HANDLE hAuthenticationKey) {
  return WithSession("C_SetOperationState", hSession, Need::kAny, [&](Module&, Session& s) -> Status {
    if (pOperationState == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pOperationState is null");
    return RestoreOperationState(s, In(pOperationState, ulOperationStateLen), hEncryptionKey, hAuthenticationKey);
  });
}

// 5.6 C_Login: CKU_SO, CKU_USER (login state is per application), CKU_CONTEXT_SPECIFIC for the operation of an
// CKA_ALWAYS_AUTHENTICATE key.
CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  return WithSession("C_Login", hSession, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (pPin == nullptr && ulPinLen > 0) return Rv(CKR_ARGUMENTS_BAD, "pPin is null");
    if (userType == CKU_CONTEXT_SPECIFIC) {
      if (!s.UserLoggedIn()) return Rv(CKR_USER_NOT_LOGGED_IN, "context-specific login needs the user logged in");
      return ContextLogin(s, Pin(pPin, ulPinLen));
    }
    if (userType != CKU_USER && userType != CKU_SO) return Rv(CKR_USER_TYPE_INVALID, "unknown user type");
    return s.token().Login(userType, Pin(pPin, ulPinLen), m.SessionCount(s.token().slot_id(), true) > 0);
  });
}

// 5.6 C_LoginUser (3.0): this token has no named users; the name must be empty.
CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                  CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen) {
  if (ulUsernameLen != 0) {
    return WithSession("C_LoginUser", hSession, Need::kAny,
                       [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
  }
  return C_Login(hSession, userType, pPin, ulPinLen);
}

// 5.6 C_Logout: "all private session objects from sessions belonging to the application are destroyed" — else
// a key made in a session would stay usable by whoever gets the process's sessions next, without a PIN.
CK_RV C_Logout(CK_SESSION_HANDLE hSession) {
  return WithSession("C_Logout", hSession, Need::kAny, [&](Module& m, Session& s) -> Status {
    s.EndAllOperations();
    CF_RETURN_IF_ERROR(s.token().Logout());
    if (size_t n = m.RemovePrivateSessionObjects(s.token().slot_id()); n > 0)
      log::Info("cf-pkcs11: C_Logout destroyed " + std::to_string(n) + " private session object(s)");
    return Status::Ok();
  });
}

// 5.6 C_SessionCancel (3.0): ends the named active operations of the session.
CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags) {
  return WithSession("C_SessionCancel", hSession, Need::kAny, [&](Module&, Session& s) -> CK_RV {
    const std::pair<CK_FLAGS, OpKind> kinds[] = {{CKF_ENCRYPT, OpKind::kEncrypt},
                                                 {CKF_DECRYPT, OpKind::kDecrypt},
                                                 {CKF_SIGN, OpKind::kSign},
                                                 {CKF_VERIFY, OpKind::kVerify},
                                                 {CKF_DIGEST, OpKind::kDigest}};
    for (const auto& [flag, kind] : kinds)
      if (flags & flag) s.op(kind).reset();
    if (flags & CKF_FIND_OBJECTS) s.find_active = false;
    return CKR_OK;
  });
}

}  // namespace cf::p11::abi
