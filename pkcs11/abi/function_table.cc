// The 2.40 and 3.0 function tables (every entry populated) and the three exported entry points (PKCS#11 3.0
// sections 5.4 and 3.6). Unsupported functions are in the tables and answer CKR_FUNCTION_NOT_SUPPORTED.
#include <cstring>

#include "pkcs11/abi/convert.h"
#include "pkcs11/abi/entry.h"
#include "pkcs11/abi/functions.h"
#include "pkcs11/include/pkcs11_types.h"

extern "C" {
__attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList);
__attribute__((visibility("default"))) CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList,
                                                                CK_ULONG_PTR pulCount);
__attribute__((visibility("default"))) CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                                                            CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);
}

namespace cf::p11::abi {

// The tables point at these hidden functions, never at the exported names: libp11-kit also exports
// C_GetFunctionList/C_GetInterface*, and in a process that loaded it first (gnutls, p11tool, any p11-kit client)
// ELF interposition would bind our own table entries to p11-kit's proxy.
CK_RV GetFunctionListLocal(CK_FUNCTION_LIST_PTR_PTR ppFunctionList);
CK_RV GetInterfaceListLocal(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount);
CK_RV GetInterfaceLocal(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR ppInterface,
                        CK_FLAGS flags);

namespace {

// The 2.40 entries, in the order of CK_FUNCTION_LIST; CK_FUNCTION_LIST_3_0 begins with the same members, so both
// tables are written from this one list and cannot drift apart.
#define CF_P11_FUNCTIONS_2_40                                                                                       \
  abi::C_Initialize, abi::C_Finalize, abi::C_GetInfo, GetFunctionListLocal, abi::C_GetSlotList, abi::C_GetSlotInfo, \
      abi::C_GetTokenInfo, abi::C_GetMechanismList, abi::C_GetMechanismInfo, abi::C_InitToken, abi::C_InitPIN,      \
      abi::C_SetPIN, abi::C_OpenSession, abi::C_CloseSession, abi::C_CloseAllSessions, abi::C_GetSessionInfo,       \
      abi::C_GetOperationState, abi::C_SetOperationState, abi::C_Login, abi::C_Logout, abi::C_CreateObject,         \
      abi::C_CopyObject, abi::C_DestroyObject, abi::C_GetObjectSize, abi::C_GetAttributeValue,                      \
      abi::C_SetAttributeValue, abi::C_FindObjectsInit, abi::C_FindObjects, abi::C_FindObjectsFinal,                \
      abi::C_EncryptInit, abi::C_Encrypt, abi::C_EncryptUpdate, abi::C_EncryptFinal, abi::C_DecryptInit,            \
      abi::C_Decrypt, abi::C_DecryptUpdate, abi::C_DecryptFinal, abi::C_DigestInit, abi::C_Digest,                  \
      abi::C_DigestUpdate, abi::C_DigestKey, abi::C_DigestFinal, abi::C_SignInit, abi::C_Sign, abi::C_SignUpdate,   \
      abi::C_SignFinal, abi::C_SignRecoverInit, abi::C_SignRecover, abi::C_VerifyInit, abi::C_Verify,               \
      abi::C_VerifyUpdate, abi::C_VerifyFinal, abi::C_VerifyRecoverInit, abi::C_VerifyRecover,                      \
      abi::C_DigestEncryptUpdate, abi::C_DecryptDigestUpdate, abi::C_SignEncryptUpdate, abi::C_DecryptVerifyUpdate, \
      abi::C_GenerateKey, abi::C_GenerateKeyPair, abi::C_WrapKey, abi::C_UnwrapKey, abi::C_DeriveKey,               \
      abi::C_SeedRandom, abi::C_GenerateRandom, abi::C_GetFunctionStatus, abi::C_CancelFunction,                    \
      abi::C_WaitForSlotEvent

CK_FUNCTION_LIST kFunctions240 = {{2, 40}, CF_P11_FUNCTIONS_2_40};

CK_FUNCTION_LIST_3_0 kFunctions30 = {{3, 0},
                                     CF_P11_FUNCTIONS_2_40,
                                     GetInterfaceListLocal,
                                     GetInterfaceLocal,
                                     abi::C_LoginUser,
                                     abi::C_SessionCancel,
                                     abi::C_MessageEncryptInit,
                                     abi::C_EncryptMessage,
                                     abi::C_EncryptMessageBegin,
                                     abi::C_EncryptMessageNext,
                                     abi::C_MessageEncryptFinal,
                                     abi::C_MessageDecryptInit,
                                     abi::C_DecryptMessage,
                                     abi::C_DecryptMessageBegin,
                                     abi::C_DecryptMessageNext,
                                     abi::C_MessageDecryptFinal,
                                     abi::C_MessageSignInit,
                                     abi::C_SignMessage,
                                     abi::C_SignMessageBegin,
                                     abi::C_SignMessageNext,
                                     abi::C_MessageSignFinal,
                                     abi::C_MessageVerifyInit,
                                     abi::C_VerifyMessage,
                                     abi::C_VerifyMessageBegin,
                                     abi::C_VerifyMessageNext,
                                     abi::C_MessageVerifyFinal};
#undef CF_P11_FUNCTIONS_2_40

char kInterfaceName[] = "PKCS 11";
// The specification types the name CK_CHAR*, p11-kit 0.25's pkcs11.h char*: take whichever the header declares.
using InterfaceName = decltype(CK_INTERFACE::pInterfaceName);
// 3.0 first: C_GetInterface(NULL, ...) returns the default, the newest.
CK_INTERFACE kInterfaces[] = {
    {reinterpret_cast<InterfaceName>(kInterfaceName), &kFunctions30, CKF_INTERFACE_FORK_SAFE},
    {reinterpret_cast<InterfaceName>(kInterfaceName), &kFunctions240, CKF_INTERFACE_FORK_SAFE},
};

}  // namespace
}  // namespace cf::p11::abi

using cf::p11::abi::Guard;

// 5.4 C_GetFunctionList: the 2.40 table (callers of this entry point expect a 2.x layout).
CK_RV cf::p11::abi::GetFunctionListLocal(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (ppFunctionList == nullptr) return CKR_ARGUMENTS_BAD;
  *ppFunctionList = &cf::p11::abi::kFunctions240;
  return CKR_OK;
}

// 5.4 C_GetInterfaceList (3.0).
CK_RV cf::p11::abi::GetInterfaceListLocal(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount) {
  return cf::p11::abi::DeliverList<CK_INTERFACE>(cf::p11::abi::kInterfaces, pInterfacesList, pulCount);
}

// 5.4 C_GetInterface (3.0): by name ("PKCS 11" or NULL), version (NULL = newest) and required flags.
CK_RV cf::p11::abi::GetInterfaceLocal(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                                      CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags) {
  if (ppInterface == nullptr) return CKR_ARGUMENTS_BAD;
  for (CK_INTERFACE& i : cf::p11::abi::kInterfaces) {
    if (pInterfaceName != nullptr &&
        std::strcmp(reinterpret_cast<const char*>(pInterfaceName), reinterpret_cast<const char*>(i.pInterfaceName)))
      continue;
    const CK_VERSION& v = *static_cast<CK_VERSION*>(i.pFunctionList);
    if (pVersion != nullptr && (pVersion->major != v.major || pVersion->minor != v.minor)) continue;
    if ((i.flags & flags) != flags) continue;
    *ppInterface = &i;
    return CKR_OK;
  }
  return CKR_ARGUMENTS_BAD;
}

// The three exported entry points only forward to the hidden implementations above.
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  return cf::p11::abi::GetFunctionListLocal(ppFunctionList);
}
CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount) {
  return cf::p11::abi::GetInterfaceListLocal(pInterfacesList, pulCount);
}
CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR ppInterface,
                     CK_FLAGS flags) {
  return cf::p11::abi::GetInterfaceLocal(pInterfaceName, pVersion, ppInterface, flags);
}
