// Hash table for pkcs11/mech: CKM_/CKG_ hash values to OpenSSL digest names, fetched from the module's context.
#include "pkcs11/mech/hash_table.h"

#include "common/ossl_context.h"

namespace cf::p11 {
namespace {

const HashInfo* Table() {
  // Heap, never destroyed (STYLE.md rule 19). The EVP_MDs are not kept here: they belong to one OpenSSL context.
  static const HashInfo* const table = [] {
    auto* t = new const HashInfo[]{
        {CKM_SHA_1, CKG_MGF1_SHA1, "CKM_SHA_1", "SHA1", 20},
        {CKM_SHA224, CKG_MGF1_SHA224, "CKM_SHA224", "SHA2-224", 28},
        {CKM_SHA256, CKG_MGF1_SHA256, "CKM_SHA256", "SHA2-256", 32},
        {CKM_SHA384, CKG_MGF1_SHA384, "CKM_SHA384", "SHA2-384", 48},
        {CKM_SHA512, CKG_MGF1_SHA512, "CKM_SHA512", "SHA2-512", 64},
        {CKM_SHA3_224, CKG_MGF1_SHA3_224, "CKM_SHA3_224", "SHA3-224", 28},
        {CKM_SHA3_256, CKG_MGF1_SHA3_256, "CKM_SHA3_256", "SHA3-256", 32},
        {CKM_SHA3_384, CKG_MGF1_SHA3_384, "CKM_SHA3_384", "SHA3-384", 48},
        {CKM_SHA3_512, CKG_MGF1_SHA3_512, "CKM_SHA3_512", "SHA3-512", 64},
        {CK_UNAVAILABLE_INFORMATION, 0, nullptr, nullptr, 0},
    };
    return t;
  }();
  return table;
}

}  // namespace

const EVP_MD* HashInfo::Md() const { return ossl::FetchedDigest(name); }

const HashInfo* AllHashes() { return Table(); }

const HashInfo* FindHashByMechanism(CK_MECHANISM_TYPE mechanism) {
  for (const HashInfo* h = Table(); h->name != nullptr; ++h) {
    if (h->mechanism == mechanism && h->Md() != nullptr) return h;
  }
  return nullptr;
}

const HashInfo* FindHashByMgf(CK_RSA_PKCS_MGF_TYPE mgf) {
  for (const HashInfo* h = Table(); h->name != nullptr; ++h) {
    if (h->mgf == mgf && h->Md() != nullptr) return h;
  }
  return nullptr;
}

}  // namespace cf::p11
