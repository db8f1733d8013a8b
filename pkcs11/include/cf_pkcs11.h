/* cf-pkcs11's vendor-defined PKCS#11 values, for applications. Numbers are CKA_VENDOR_DEFINED based and never
 * change once released; this header defines values only, no functions. */
#ifndef CF_PKCS11_CF_PKCS11_H_
#define CF_PKCS11_CF_PKCS11_H_

#include <p11-kit/pkcs11.h>

/* "CF" in the vendor range. */
#define CKA_CF_VENDOR_BASE (CKA_VENDOR_DEFINED | 0x43460000UL)

/* CK_ULONG. The cryptstore version of a token object (>= 1). Read it on any token object; put it in a
 * C_FindObjectsInit template to see that version instead of the latest; put it in a C_CreateObject template to
 * create that version explicitly (absent: latest + 1 for the same label and class; the earlier versions stay
 * visible objects). */
#define CKA_CF_VERSION (CKA_CF_VENDOR_BASE + 1UL)

/* CK_UTF8CHAR array, read-only. The cryptstore type string of the entry behind a token object
 * ("cf-pkcs11-private-key", "key-message-serialized-protobuf", "X509-der-cert", ...). */
#define CKA_CF_ENTRY_TYPE (CKA_CF_VENDOR_BASE + 2UL)

/* CK_BBOOL, read-only, set by the token on every token object: CK_TRUE on the newest version of its label and
 * class (cryptstore tag/type). Objects created through PKCS#11 are all found whatever their version; entries the
 * framework's tools rotate (cf-osutility --put-item) are found at their newest version only unless the template
 * names CKA_CF_VERSION. Put CKA_CF_LATEST = CK_TRUE in a C_FindObjectsInit template to see current objects only. */
#define CKA_CF_LATEST (CKA_CF_VENDOR_BASE + 3UL)

#endif /* CF_PKCS11_CF_PKCS11_H_ */
