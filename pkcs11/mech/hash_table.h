// The hash functions mechanisms may name (CKM_SHA256 as a digest, as PSS/OAEP hashAlg, CKG_MGF1_* as MGF) and
// their OpenSSL algorithms, fetched once. A table, so no mechanism code switches on hash types.
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
  const EVP_MD* md;             // fetched once, never freed (the registry lives as long as the process)
};

// nullptr when the mechanism is not a hash we support.
const HashInfo* FindHashByMechanism(CK_MECHANISM_TYPE mechanism);
const HashInfo* FindHashByMgf(CK_RSA_PKCS_MGF_TYPE mgf);
// All supported hashes, SHA-1 first; end marked by mechanism == CK_UNAVAILABLE_INFORMATION.
const HashInfo* AllHashes();

}  // namespace cf::p11
