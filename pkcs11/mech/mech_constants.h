// PKCS#11 3.0 constants this folder uses that p11-kit 0.24's 2.40 header lacks (values from the OASIS PKCS#11
// 3.0 Current Mechanisms specification). Each is guarded so a later pkcs11/include definition wins silently.
#pragma once

#include <p11-kit/pkcs11.h>

#ifndef CKM_SHA3_256
#define CKM_SHA3_256 0x000002B0UL
#define CKM_SHA3_256_HMAC 0x000002B1UL
#define CKM_SHA3_256_HMAC_GENERAL 0x000002B2UL
#define CKM_SHA3_224 0x000002B5UL
#define CKM_SHA3_224_HMAC 0x000002B6UL
#define CKM_SHA3_224_HMAC_GENERAL 0x000002B7UL
#define CKM_SHA3_384 0x000002C0UL
#define CKM_SHA3_384_HMAC 0x000002C1UL
#define CKM_SHA3_384_HMAC_GENERAL 0x000002C2UL
#define CKM_SHA3_512 0x000002D0UL
#define CKM_SHA3_512_HMAC 0x000002D1UL
#define CKM_SHA3_512_HMAC_GENERAL 0x000002D2UL
#endif
#ifndef CKG_MGF1_SHA3_224
#define CKG_MGF1_SHA3_224 0x00000006UL
#define CKG_MGF1_SHA3_256 0x00000007UL
#define CKG_MGF1_SHA3_384 0x00000008UL
#define CKG_MGF1_SHA3_512 0x00000009UL
#endif
#ifndef CKK_SHA3_224_HMAC
#define CKK_SHA3_224_HMAC 0x00000033UL
#define CKK_SHA3_256_HMAC 0x00000034UL
#define CKK_SHA3_384_HMAC 0x00000035UL
#define CKK_SHA3_512_HMAC 0x00000036UL
#endif
// RFC 5649 key wrap with padding; 3.0 keeps CKM_AES_KEY_WRAP_PAD (0x210A) for PKCS#7 padding + RFC 3394.
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x0000210BUL
#endif

#ifndef CKF_EDDSA_PARAMS_DEFINED_
#define CKF_EDDSA_PARAMS_DEFINED_
// 3.0 section 2.3.14: optional CKM_EDDSA parameter (Ed25519ph / Ed25519ctx / Ed448 context).
struct CfEddsaParams {
  CK_BBOOL phFlag;
  CK_ULONG ulContextDataLen;
  CK_BYTE_PTR pContextData;
};
#endif
