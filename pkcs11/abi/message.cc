// The 3.0 message-based functions (PKCS#11 3.0 sections 5.8-5.12 "message-based"): present in the 3.0 function
// list and answering CKR_FUNCTION_NOT_SUPPORTED. No mechanism row offers CKF_MESSAGE_* yet; AEAD is available
// through the single-message C_Encrypt/C_Decrypt with CKM_AES_GCM.
#include "pkcs11/abi/entry.h"
#include "pkcs11/abi/functions.h"

namespace cf::p11::abi {
namespace {
CK_RV NotSupported(const char* fn, CK_SESSION_HANDLE h) {
  return WithSession(fn, h, Need::kAny, [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}
}  // namespace

CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return NotSupported("C_MessageEncryptInit", h);
}
CK_RV C_EncryptMessage(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG,
                       CK_BYTE_PTR, CK_ULONG_PTR) {
  return NotSupported("C_EncryptMessage", h);
}
CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) {
  return NotSupported("C_EncryptMessageBegin", h);
}
CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR,
                           CK_FLAGS) {
  return NotSupported("C_EncryptMessageNext", h);
}
CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE h) { return NotSupported("C_MessageEncryptFinal", h); }
CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return NotSupported("C_MessageDecryptInit", h);
}
CK_RV C_DecryptMessage(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG,
                       CK_BYTE_PTR, CK_ULONG_PTR) {
  return NotSupported("C_DecryptMessage", h);
}
CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) {
  return NotSupported("C_DecryptMessageBegin", h);
}
CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR,
                           CK_FLAGS) {
  return NotSupported("C_DecryptMessageNext", h);
}
CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE h) { return NotSupported("C_MessageDecryptFinal", h); }
CK_RV C_MessageSignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return NotSupported("C_MessageSignInit", h);
}
CK_RV C_SignMessage(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return NotSupported("C_SignMessage", h);
}
CK_RV C_SignMessageBegin(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG) { return NotSupported("C_SignMessageBegin", h); }
CK_RV C_SignMessageNext(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return NotSupported("C_SignMessageNext", h);
}
CK_RV C_MessageSignFinal(CK_SESSION_HANDLE h) { return NotSupported("C_MessageSignFinal", h); }
CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return NotSupported("C_MessageVerifyInit", h);
}
CK_RV C_VerifyMessage(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) {
  return NotSupported("C_VerifyMessage", h);
}
CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG) {
  return NotSupported("C_VerifyMessageBegin", h);
}
CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) {
  return NotSupported("C_VerifyMessageNext", h);
}
CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE h) { return NotSupported("C_MessageVerifyFinal", h); }

}  // namespace cf::p11::abi
