// The hash functions mechanisms may name (CKM_SHA256 as a digest, as PSS/OAEP hashAlg, CKG_MGF1_* as MGF) and
// their OpenSSL algorithms, fetched once per private OpenSSL context (common/ossl_context.h). A table, so no mechanism
// code switches on hash types.
#pragma once

#include <openssl/evp.h>

#include <cstddef>

#include "common/bytes.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11 {

struct HashInfo {
  CK_MECHANISM_TYPE mechanism;  // CKM_SHA256...
  CK_RSA_PKCS_MGF_TYPE mgf;     // the CKG_MGF1_* of the same hash
  const char* ck_name;          // "CKM_SHA256", for logs and row names
  const char* name;             // OpenSSL algorithm name, "SHA2-256"
  size_t size;                  // digest bytes

  // The digest fetched from the module's OpenSSL context (cached there until C_Finalize); null if not offered.
  const EVP_MD* Md() const;
};

// nullptr when the mechanism is not a hash we support.
const HashInfo* FindHashByMechanism(CK_MECHANISM_TYPE mechanism);
const HashInfo* FindHashByMgf(CK_RSA_PKCS_MGF_TYPE mgf);
// All supported hashes, SHA-1 first; end marked by mechanism == CK_UNAVAILABLE_INFORMATION.
const HashInfo* AllHashes();

}  // namespace cf::p11
