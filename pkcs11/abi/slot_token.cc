// Slot and token management functions (PKCS#11 3.0 section 5.5): one slot per configured token.
#include <algorithm>
#include <cstring>

#include "pkcs11/abi/convert.h"
#include "pkcs11/abi/entry.h"
#include "pkcs11/abi/functions.h"
#include "pkcs11/mech/registry.h"

namespace cf::p11::abi {

// 5.5 C_GetSlotList: slot ids are the configuration's token order (stable across calls and processes).
CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  return WithModule("C_GetSlotList", [&](Module& m) -> CK_RV {
    std::vector<CK_SLOT_ID> ids;
    for (const auto& t : m.tokens())
      if (!tokenPresent || t->present()) ids.push_back(t->slot_id());
    return DeliverList<CK_SLOT_ID>(ids, pSlotList, pulCount);
  });
}

// 5.5 C_GetSlotInfo.
CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  return WithModule("C_GetSlotInfo", [&](Module& m) -> Status {
    if (pInfo == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pInfo is null");
    CF_ASSIGN_OR_RETURN(Token * t, m.FindToken(slotID));
    t->FillSlotInfo(pInfo);
    return Status::Ok();
  });
}

// 5.5 C_GetTokenInfo: blank-padded strings, PIN counter flags from the durable store counter.
CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  return WithModule("C_GetTokenInfo", [&](Module& m) -> Status {
    if (pInfo == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pInfo is null");
    CF_ASSIGN_OR_RETURN(Token * t, m.FindToken(slotID));
    CF_RETURN_IF_ERROR(t->FillTokenInfo(pInfo));
    pInfo->ulSessionCount = m.SessionCount(slotID, false);
    pInfo->ulRwSessionCount = pInfo->ulSessionCount - m.SessionCount(slotID, true);
    return Status::Ok();
  });
}

// 5.5 C_WaitForSlotEvent: tokens are not removable, so there is never an event; CKF_DONT_BLOCK says so at once.
// Blocking waits are not supported (a thread blocked forever in a library is worse than the error).
CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved) {
  return WithModule("C_WaitForSlotEvent", [&](Module&) -> CK_RV {
    if (pSlot == nullptr || pReserved != nullptr) return CKR_ARGUMENTS_BAD;
    return (flags & CKF_DONT_BLOCK) ? CKR_NO_EVENT : CKR_FUNCTION_NOT_SUPPORTED;
  });
}

// 5.5 C_GetMechanismList: the registry's rows, the same for every slot.
CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount) {
  return WithModule("C_GetMechanismList", [&](Module& m) -> CK_RV {
    if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
    if (!m.FindToken(slotID).ok()) return CKR_SLOT_ID_INVALID;
    return DeliverList<CK_MECHANISM_TYPE>(Registry::Get().Types(), pMechanismList, pulCount);
  });
}

// 5.5 C_GetMechanismInfo.
CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  return WithModule("C_GetMechanismInfo", [&](Module& m) -> CK_RV {
    if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
    auto token = m.FindToken(slotID);
    if (!token.ok()) return CKR_SLOT_ID_INVALID;
    const MechanismRow* row = Registry::Get().Find(type);
    if (row == nullptr) return CKR_MECHANISM_INVALID;
    *pInfo = row->info;
    pInfo->flags = (*token)->MechanismFlags(*row);  // a use the configuration turned off is not claimed
    return CKR_OK;
  });
}

// 5.5 C_InitToken: refused while any session is open on the token (CKR_SESSION_EXISTS).
CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel) {
  return WithModule("C_InitToken", [&](Module& m) -> Status {
    if (pPin == nullptr || pLabel == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pPin and pLabel are required");
    CF_ASSIGN_OR_RETURN(Token * t, m.FindToken(slotID));
    if (m.SessionCount(slotID, false) > 0) return Rv(CKR_SESSION_EXISTS, "close every session first");
    if (ulPinLen < 4 || ulPinLen > 256) return Rv(CKR_PIN_LEN_RANGE, "SO PIN must be 4..256 bytes");
    return t->InitToken(Pin(pPin, ulPinLen), std::string(reinterpret_cast<const char*>(pLabel), 32));
  });
}

// 5.5 C_InitPIN: SO in a read-write session.
CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  return WithSession("C_InitPIN", hSession, Need::kRWSO, [&](Module&, Session& s) -> Status {
    if (pPin == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pPin is null");
    if (ulPinLen < 4 || ulPinLen > 256) return Rv(CKR_PIN_LEN_RANGE, "user PIN must be 4..256 bytes");
    return s.token().InitPin(Pin(pPin, ulPinLen));
  });
}

// 5.5 C_SetPIN: the logged-in user's PIN (SO when the SO is logged in, else the user); read-write session.
CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin,
               CK_ULONG ulNewLen) {
  return WithSession("C_SetPIN", hSession, Need::kRW, [&](Module&, Session& s) -> Status {
    if (pOldPin == nullptr || pNewPin == nullptr) return Rv(CKR_ARGUMENTS_BAD, "PIN pointers are required");
    if (ulNewLen < 4 || ulNewLen > 256) return Rv(CKR_PIN_LEN_RANGE, "new PIN must be 4..256 bytes");
    return s.token().SetPin(s.token().login_state(), Pin(pOldPin, ulOldLen), Pin(pNewPin, ulNewLen));
  });
}

}  // namespace cf::p11::abi
