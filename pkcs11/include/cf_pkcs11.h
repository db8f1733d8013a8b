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

/* CK_BBOOL, default CK_FALSE; on private and secret keys, settable when they are made or later, only ever to TRUE.
 * A key with CKA_CF_REQUIRES_ADMISSION = CK_TRUE is usable only while its token holds a valid admission certificate
 * (token configured with certification cached/required and certified): otherwise C_*Init, C_UnwrapKey and
 * C_DeriveKey with it answer CKR_KEY_FUNCTION_NOT_PERMITTED and the log says why. */
#define CKA_CF_REQUIRES_ADMISSION (CKA_CF_VENDOR_BASE + 4UL)

/* Return values of C_Login(CKU_USER) on a token with certification cached/required (pkcs11/README.md has the
 * table). Certification failures never count as wrong PINs. */
#define CKR_CF_VENDOR_BASE (CKR_VENDOR_DEFINED | 0x43460000UL)
/* The Certifier Service could not be reached, or did not answer within certification_deadline_ms. */
#define CKR_CF_CERTIFIER_UNREACHABLE (CKR_CF_VENDOR_BASE + 1UL)
/* The Certifier Service refused: its policy does not admit this platform/measurement (reason in the log). */
#define CKR_CF_POLICY_DENIED (CKR_CF_VENDOR_BASE + 2UL)
/* The answer was not a Certifier Service answer (does not parse, unknown status, no X.509 certificate). */
#define CKR_CF_CERTIFIER_BAD_ANSWER (CKR_CF_VENDOR_BASE + 3UL)
/* The admission certificate is not signed by the configured policy certificate's key, or has expired. */
#define CKR_CF_ADMISSION_CERT_INVALID (CKR_CF_VENDOR_BASE + 4UL)
/* The admission certificate certifies another key, measurement or platform than this token's. */
#define CKR_CF_ADMISSION_CERT_MISMATCH (CKR_CF_VENDOR_BASE + 5UL)
/* policy_certificate is not configured, missing, unreadable or not an X.509 certificate. */
#define CKR_CF_POLICY_CERT_UNUSABLE (CKR_CF_VENDOR_BASE + 6UL)

/* Labels (CKA_LABEL) of the certification objects. The admission certificate and both halves of the
 * authentication key share CKA_ID "auth-key", so a TLS server that picks a key by its certificate finds the pair. */
#define CF_PKCS11_LABEL_AUTH_KEY "auth-key"                    /* CKO_PRIVATE_KEY + CKO_PUBLIC_KEY */
#define CF_PKCS11_LABEL_ADMISSION_CERT "admission-certificate" /* CKO_CERTIFICATE, category 1 (token user) */
#define CF_PKCS11_LABEL_POLICY_CERT "policy-certificate"       /* CKO_CERTIFICATE, category 2 (authority) */
#define CF_PKCS11_LABEL_EVIDENCE "certification-evidence"      /* CKO_DATA, CKA_APPLICATION below */
/* CKA_APPLICATION of the evidence object: its CKA_VALUE is a serialized trust_request_message (the Certifier
 * Framework's certifier.proto) as it was sent. */
#define CF_PKCS11_EVIDENCE_FORMAT "trust-request-message-serialized-protobuf"

#endif /* CF_PKCS11_CF_PKCS11_H_ */
