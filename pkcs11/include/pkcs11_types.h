/* The one header for PKCS#11 types and constants in this project: the system's <p11-kit/pkcs11.h> plus only what it
 * lacks of PKCS#11 3.0 (OASIS Base Specification 3.0 sections 3 and 5; Current Mechanisms 3.0), and, for C++, Rv():
 * the cf::Status that carries the CK_RV the specification names. Written from the specification text. Include it
 * instead of <p11-kit/pkcs11.h>; cf_pkcs11.h (the vendor header for applications) stays self-standing.
 *
 * What is added, and how each addition knows whether the system header already has it:
 * - constants (CKM_, CKK_, CKG_, CKF_, CKR_, CKA_, CKU_): each behind #ifndef of itself, so a definition in the
 *   system header wins silently;
 * - types (CK_INTERFACE, the 3.0 function pointer types, CK_FUNCTION_LIST_3_0): a type cannot be tested by the
 *   preprocessor, so cmake/p11kit_features.cmake asks the compiler (check_type_size over <p11-kit/pkcs11.h>) and
 *   defines CF_P11_SYSTEM_HAS_CK_INTERFACE / CF_P11_SYSTEM_HAS_FUNCTION_LIST_3_0. p11-kit 0.25 (Debian 13) declares
 *   the 3.0 interface, 0.24 (Debian 12) does not. Outside this build, a header that says Cryptoki 3 or later
 *   (CRYPTOKI_VERSION_MAJOR) is taken to have them. */
#ifndef CF_PKCS11_PKCS11_TYPES_H_
#define CF_PKCS11_PKCS11_TYPES_H_

#include <p11-kit/pkcs11.h>

#if defined(CRYPTOKI_VERSION_MAJOR) && CRYPTOKI_VERSION_MAJOR >= 3
#ifndef CF_P11_SYSTEM_HAS_CK_INTERFACE
#define CF_P11_SYSTEM_HAS_CK_INTERFACE 1
#endif
#ifndef CF_P11_SYSTEM_HAS_FUNCTION_LIST_3_0
#define CF_P11_SYSTEM_HAS_FUNCTION_LIST_3_0 1
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Base Specification 3.0: interfaces, sessions, messages. */

#ifndef CF_P11_SYSTEM_HAS_CK_INTERFACE
/* Spec 3.0 section 3.6: CK_INTERFACE names one function list a module offers. */
typedef struct CK_INTERFACE {
  CK_CHAR* pInterfaceName;
  CK_VOID_PTR pFunctionList;
  CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE* CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR* CK_INTERFACE_PTR_PTR;
#endif
/* The interface's functions may be used across fork (section 3.6, table 8). */
#ifndef CKF_INTERFACE_FORK_SAFE
#define CKF_INTERFACE_FORK_SAFE 0x00000001UL
#endif
/* C_SessionCancel: cancel an active C_FindObjects (section 5.6). */
#ifndef CKF_FIND_OBJECTS
#define CKF_FIND_OBJECTS 0x00000040UL
#endif
#ifndef CKF_END_OF_MESSAGE
#define CKF_END_OF_MESSAGE 0x00000001UL
#endif
#ifndef CKR_OPERATION_CANCEL_FAILED
#define CKR_OPERATION_CANCEL_FAILED 0x00000202UL
#endif
#ifndef CKU_CONTEXT_SPECIFIC
#define CKU_CONTEXT_SPECIFIC 2UL
#endif
#ifndef CKA_UNIQUE_ID
#define CKA_UNIQUE_ID 0x0000004AUL
#endif
#ifndef CKF_MESSAGE_ENCRYPT
#define CKF_MESSAGE_ENCRYPT 0x00000002UL
#endif
#ifndef CKF_MESSAGE_DECRYPT
#define CKF_MESSAGE_DECRYPT 0x00000004UL
#endif
#ifndef CKF_MESSAGE_SIGN
#define CKF_MESSAGE_SIGN 0x00000008UL
#endif
#ifndef CKF_MESSAGE_VERIFY
#define CKF_MESSAGE_VERIFY 0x00000010UL
#endif
#ifndef CKF_MULTI_MESSAGE
#define CKF_MULTI_MESSAGE 0x00000020UL
#endif

#ifndef CF_P11_SYSTEM_HAS_FUNCTION_LIST_3_0
/* Section 5.1 onwards: the functions 3.0 added, in the order they appear in CK_FUNCTION_LIST_3_0. */
typedef CK_RV (*CK_C_GetInterfaceList)(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount);
typedef CK_RV (*CK_C_GetInterface)(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                                   CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);
typedef CK_RV (*CK_C_LoginUser)(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
                                CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen);
typedef CK_RV (*CK_C_SessionCancel)(CK_SESSION_HANDLE hSession, CK_FLAGS flags);
typedef CK_RV (*CK_C_MessageEncryptInit)(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                         CK_OBJECT_HANDLE hKey);
typedef CK_RV (*CK_C_EncryptMessage)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                     CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
                                     CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext, CK_ULONG_PTR pulCiphertextLen);
typedef CK_RV (*CK_C_EncryptMessageBegin)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                          CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen);
typedef CK_RV (*CK_C_EncryptMessageNext)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                         CK_BYTE_PTR pPlaintextPart, CK_ULONG ulPlaintextPartLen,
                                         CK_BYTE_PTR pCiphertextPart, CK_ULONG_PTR pulCiphertextPartLen,
                                         CK_FLAGS flags);
typedef CK_RV (*CK_C_MessageEncryptFinal)(CK_SESSION_HANDLE hSession);
typedef CK_RV (*CK_C_MessageDecryptInit)(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                         CK_OBJECT_HANDLE hKey);
typedef CK_RV (*CK_C_DecryptMessage)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                     CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, CK_ULONG_PTR pulPlaintextLen);
typedef CK_RV (*CK_C_DecryptMessageBegin)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                          CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen);
typedef CK_RV (*CK_C_DecryptMessageNext)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                         CK_BYTE_PTR pCiphertextPart, CK_ULONG ulCiphertextPartLen,
                                         CK_BYTE_PTR pPlaintextPart, CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags);
typedef CK_RV (*CK_C_MessageDecryptFinal)(CK_SESSION_HANDLE hSession);
typedef CK_RV (*CK_C_MessageSignInit)(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey);
typedef CK_RV (*CK_C_SignMessage)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                  CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                                  CK_ULONG_PTR pulSignatureLen);
typedef CK_RV (*CK_C_SignMessageBegin)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen);
typedef CK_RV (*CK_C_SignMessageNext)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                      CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                                      CK_ULONG_PTR pulSignatureLen);
typedef CK_RV (*CK_C_MessageSignFinal)(CK_SESSION_HANDLE hSession);
typedef CK_RV (*CK_C_MessageVerifyInit)(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey);
typedef CK_RV (*CK_C_VerifyMessage)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                    CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                                    CK_ULONG ulSignatureLen);
typedef CK_RV (*CK_C_VerifyMessageBegin)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen);
typedef CK_RV (*CK_C_VerifyMessageNext)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                        CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                                        CK_ULONG ulSignatureLen);
typedef CK_RV (*CK_C_MessageVerifyFinal)(CK_SESSION_HANDLE hSession);

/* Section 5.1: the 3.0 function list is the 2.40 list's 68 entries followed by the 24 new ones, in this order.
 * Applications cast the CK_INTERFACE's pFunctionList to it when the version says 3.0. */
typedef struct CK_FUNCTION_LIST_3_0 {
  CK_VERSION version;
  CK_C_Initialize C_Initialize;
  CK_C_Finalize C_Finalize;
  CK_C_GetInfo C_GetInfo;
  CK_C_GetFunctionList C_GetFunctionList;
  CK_C_GetSlotList C_GetSlotList;
  CK_C_GetSlotInfo C_GetSlotInfo;
  CK_C_GetTokenInfo C_GetTokenInfo;
  CK_C_GetMechanismList C_GetMechanismList;
  CK_C_GetMechanismInfo C_GetMechanismInfo;
  CK_C_InitToken C_InitToken;
  CK_C_InitPIN C_InitPIN;
  CK_C_SetPIN C_SetPIN;
  CK_C_OpenSession C_OpenSession;
  CK_C_CloseSession C_CloseSession;
  CK_C_CloseAllSessions C_CloseAllSessions;
  CK_C_GetSessionInfo C_GetSessionInfo;
  CK_C_GetOperationState C_GetOperationState;
  CK_C_SetOperationState C_SetOperationState;
  CK_C_Login C_Login;
  CK_C_Logout C_Logout;
  CK_C_CreateObject C_CreateObject;
  CK_C_CopyObject C_CopyObject;
  CK_C_DestroyObject C_DestroyObject;
  CK_C_GetObjectSize C_GetObjectSize;
  CK_C_GetAttributeValue C_GetAttributeValue;
  CK_C_SetAttributeValue C_SetAttributeValue;
  CK_C_FindObjectsInit C_FindObjectsInit;
  CK_C_FindObjects C_FindObjects;
  CK_C_FindObjectsFinal C_FindObjectsFinal;
  CK_C_EncryptInit C_EncryptInit;
  CK_C_Encrypt C_Encrypt;
  CK_C_EncryptUpdate C_EncryptUpdate;
  CK_C_EncryptFinal C_EncryptFinal;
  CK_C_DecryptInit C_DecryptInit;
  CK_C_Decrypt C_Decrypt;
  CK_C_DecryptUpdate C_DecryptUpdate;
  CK_C_DecryptFinal C_DecryptFinal;
  CK_C_DigestInit C_DigestInit;
  CK_C_Digest C_Digest;
  CK_C_DigestUpdate C_DigestUpdate;
  CK_C_DigestKey C_DigestKey;
  CK_C_DigestFinal C_DigestFinal;
  CK_C_SignInit C_SignInit;
  CK_C_Sign C_Sign;
  CK_C_SignUpdate C_SignUpdate;
  CK_C_SignFinal C_SignFinal;
  CK_C_SignRecoverInit C_SignRecoverInit;
  CK_C_SignRecover C_SignRecover;
  CK_C_VerifyInit C_VerifyInit;
  CK_C_Verify C_Verify;
  CK_C_VerifyUpdate C_VerifyUpdate;
  CK_C_VerifyFinal C_VerifyFinal;
  CK_C_VerifyRecoverInit C_VerifyRecoverInit;
  CK_C_VerifyRecover C_VerifyRecover;
  CK_C_DigestEncryptUpdate C_DigestEncryptUpdate;
  CK_C_DecryptDigestUpdate C_DecryptDigestUpdate;
  CK_C_SignEncryptUpdate C_SignEncryptUpdate;
  CK_C_DecryptVerifyUpdate C_DecryptVerifyUpdate;
  CK_C_GenerateKey C_GenerateKey;
  CK_C_GenerateKeyPair C_GenerateKeyPair;
  CK_C_WrapKey C_WrapKey;
  CK_C_UnwrapKey C_UnwrapKey;
  CK_C_DeriveKey C_DeriveKey;
  CK_C_SeedRandom C_SeedRandom;
  CK_C_GenerateRandom C_GenerateRandom;
  CK_C_GetFunctionStatus C_GetFunctionStatus;
  CK_C_CancelFunction C_CancelFunction;
  CK_C_WaitForSlotEvent C_WaitForSlotEvent;
  CK_C_GetInterfaceList C_GetInterfaceList;
  CK_C_GetInterface C_GetInterface;
  CK_C_LoginUser C_LoginUser;
  CK_C_SessionCancel C_SessionCancel;
  CK_C_MessageEncryptInit C_MessageEncryptInit;
  CK_C_EncryptMessage C_EncryptMessage;
  CK_C_EncryptMessageBegin C_EncryptMessageBegin;
  CK_C_EncryptMessageNext C_EncryptMessageNext;
  CK_C_MessageEncryptFinal C_MessageEncryptFinal;
  CK_C_MessageDecryptInit C_MessageDecryptInit;
  CK_C_DecryptMessage C_DecryptMessage;
  CK_C_DecryptMessageBegin C_DecryptMessageBegin;
  CK_C_DecryptMessageNext C_DecryptMessageNext;
  CK_C_MessageDecryptFinal C_MessageDecryptFinal;
  CK_C_MessageSignInit C_MessageSignInit;
  CK_C_SignMessage C_SignMessage;
  CK_C_SignMessageBegin C_SignMessageBegin;
  CK_C_SignMessageNext C_SignMessageNext;
  CK_C_MessageSignFinal C_MessageSignFinal;
  CK_C_MessageVerifyInit C_MessageVerifyInit;
  CK_C_VerifyMessage C_VerifyMessage;
  CK_C_VerifyMessageBegin C_VerifyMessageBegin;
  CK_C_VerifyMessageNext C_VerifyMessageNext;
  CK_C_MessageVerifyFinal C_MessageVerifyFinal;
} CK_FUNCTION_LIST_3_0;
typedef CK_FUNCTION_LIST_3_0* CK_FUNCTION_LIST_3_0_PTR;
typedef CK_FUNCTION_LIST_3_0_PTR* CK_FUNCTION_LIST_3_0_PTR_PTR;
#endif /* CF_P11_SYSTEM_HAS_FUNCTION_LIST_3_0 */

/* ---- Current Mechanisms 3.0: the SHA-3 family, RFC 5649 key wrap, EdDSA parameters. */

#ifndef CKM_SHA3_256
#define CKM_SHA3_256 0x000002B0UL
#endif
#ifndef CKM_SHA3_256_HMAC
#define CKM_SHA3_256_HMAC 0x000002B1UL
#endif
#ifndef CKM_SHA3_256_HMAC_GENERAL
#define CKM_SHA3_256_HMAC_GENERAL 0x000002B2UL
#endif
#ifndef CKM_SHA3_224
#define CKM_SHA3_224 0x000002B5UL
#endif
#ifndef CKM_SHA3_224_HMAC
#define CKM_SHA3_224_HMAC 0x000002B6UL
#endif
#ifndef CKM_SHA3_224_HMAC_GENERAL
#define CKM_SHA3_224_HMAC_GENERAL 0x000002B7UL
#endif
#ifndef CKM_SHA3_384
#define CKM_SHA3_384 0x000002C0UL
#endif
#ifndef CKM_SHA3_384_HMAC
#define CKM_SHA3_384_HMAC 0x000002C1UL
#endif
#ifndef CKM_SHA3_384_HMAC_GENERAL
#define CKM_SHA3_384_HMAC_GENERAL 0x000002C2UL
#endif
#ifndef CKM_SHA3_512
#define CKM_SHA3_512 0x000002D0UL
#endif
#ifndef CKM_SHA3_512_HMAC
#define CKM_SHA3_512_HMAC 0x000002D1UL
#endif
#ifndef CKM_SHA3_512_HMAC_GENERAL
#define CKM_SHA3_512_HMAC_GENERAL 0x000002D2UL
#endif
#ifndef CKG_MGF1_SHA3_224
#define CKG_MGF1_SHA3_224 0x00000006UL
#endif
#ifndef CKG_MGF1_SHA3_256
#define CKG_MGF1_SHA3_256 0x00000007UL
#endif
#ifndef CKG_MGF1_SHA3_384
#define CKG_MGF1_SHA3_384 0x00000008UL
#endif
#ifndef CKG_MGF1_SHA3_512
#define CKG_MGF1_SHA3_512 0x00000009UL
#endif
#ifndef CKK_SHA3_224_HMAC
#define CKK_SHA3_224_HMAC 0x00000033UL
#endif
#ifndef CKK_SHA3_256_HMAC
#define CKK_SHA3_256_HMAC 0x00000034UL
#endif
#ifndef CKK_SHA3_384_HMAC
#define CKK_SHA3_384_HMAC 0x00000035UL
#endif
#ifndef CKK_SHA3_512_HMAC
#define CKK_SHA3_512_HMAC 0x00000036UL
#endif
/* RFC 5649 key wrap with padding; 3.0 keeps CKM_AES_KEY_WRAP_PAD (0x210A) for PKCS#7 padding + RFC 3394. */
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x0000210BUL
#endif

/* Section 2.43 (HKDF): the key type, the three mechanisms and the salt types of CK_HKDF_PARAMS. p11-kit 0.24
 * (Debian 12) has none of them. */
#ifndef CKK_HKDF
#define CKK_HKDF 0x00000042UL
#endif
#ifndef CKM_HKDF_DERIVE
#define CKM_HKDF_DERIVE 0x0000402AUL
#endif
#ifndef CKM_HKDF_DATA
#define CKM_HKDF_DATA 0x0000402BUL
#endif
#ifndef CKM_HKDF_KEY_GEN
#define CKM_HKDF_KEY_GEN 0x0000402CUL
#endif
#ifndef CKF_HKDF_SALT_NULL
#define CKF_HKDF_SALT_NULL 0x00000001UL
#endif
#ifndef CKF_HKDF_SALT_DATA
#define CKF_HKDF_SALT_DATA 0x00000002UL
#endif
#ifndef CKF_HKDF_SALT_KEY
#define CKF_HKDF_SALT_KEY 0x00000004UL
#endif

/* Section 2.43.2: the parameter of CKM_HKDF_DERIVE and CKM_HKDF_DATA. Our own name, so it never clashes with a
 * system CK_HKDF_PARAMS (p11-kit 0.25 may declare it); the layout is the specification's. */
typedef struct CfHkdfParams {
  CK_BBOOL bExtract;
  CK_BBOOL bExpand;
  CK_MECHANISM_TYPE prfHashMechanism;
  CK_ULONG ulSaltType;
  CK_BYTE_PTR pSalt;
  CK_ULONG ulSaltLen;
  CK_OBJECT_HANDLE hSaltKey;
  CK_BYTE_PTR pInfo;
  CK_ULONG ulInfoLen;
} CfHkdfParams;

/* Section 2.3.14: the optional CKM_EDDSA parameter (Ed25519ph / Ed25519ctx / Ed448 context). Our own name, so it
 * never clashes with a system CK_EDDSA_PARAMS; the layout is the specification's. */
typedef struct CfEddsaParams {
  CK_BBOOL phFlag;
  CK_ULONG ulContextDataLen;
  CK_BYTE_PTR pContextData;
} CfEddsaParams;

#ifdef __cplusplus
}

#include <string>
#include <utility>

#include "common/status.h"

namespace cf::p11 {

// A Status carrying the CK_RV the specification requires; the abi's one map passes it through.
inline Status Rv(CK_RV rv, std::string reason) { return Status(Code::kInvalidArgument, std::move(reason), rv); }
// As Rv(), for a refusal that stops an attack on the keys (issue 11). The abi's one log point (abi/general.cc
// Log) warns about every refusal code, so an administrator sees the attempt; ordinary errors are traced only under
// CF_PKCS11_DEBUG. `rv_name` names the code for readers of the call site. No secret in `reason`.
inline Status Refuse(CK_RV rv, const char* rv_name, std::string reason) {
  (void)rv_name;
  return Rv(rv, std::move(reason));
}

}  // namespace cf::p11
#endif /* __cplusplus */

#endif /* CF_PKCS11_PKCS11_TYPES_H_ */
