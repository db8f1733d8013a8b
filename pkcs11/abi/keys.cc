// Key management and random number functions (PKCS#11 3.0 sections 5.14 and 5.15), over model/key_ops.cc.
#include "common/random.h"
#include "pkcs11/abi/convert.h"
#include "pkcs11/abi/entry.h"
#include "pkcs11/abi/functions.h"
#include "pkcs11/model/key_ops.h"

namespace cf::p11::abi {

// 5.14 C_GenerateKey.
CK_RV C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                    CK_OBJECT_HANDLE_PTR phKey) {
  return WithSession("C_GenerateKey", h, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (pMechanism == nullptr || phKey == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pMechanism/phKey is null");
    CF_ASSIGN_OR_RETURN(AttributeSet tmpl, ReadTemplate(pTemplate, ulCount));
    CF_ASSIGN_OR_RETURN(*phKey, GenerateKey(m, s, *pMechanism, tmpl));
    return Status::Ok();
  });
}

// 5.14 C_GenerateKeyPair.
CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pPublicKeyTemplate,
                        CK_ULONG ulPublicKeyAttributeCount, CK_ATTRIBUTE_PTR pPrivateKeyTemplate,
                        CK_ULONG ulPrivateKeyAttributeCount, CK_OBJECT_HANDLE_PTR phPublicKey,
                        CK_OBJECT_HANDLE_PTR phPrivateKey) {
  return WithSession("C_GenerateKeyPair", h, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (pMechanism == nullptr || phPublicKey == nullptr || phPrivateKey == nullptr)
      return Rv(CKR_ARGUMENTS_BAD, "pMechanism/phPublicKey/phPrivateKey is null");
    CF_ASSIGN_OR_RETURN(AttributeSet pub, ReadTemplate(pPublicKeyTemplate, ulPublicKeyAttributeCount));
    CF_ASSIGN_OR_RETURN(AttributeSet priv, ReadTemplate(pPrivateKeyTemplate, ulPrivateKeyAttributeCount));
    CF_ASSIGN_OR_RETURN(auto handles, GenerateKeyPair(m, s, *pMechanism, pub, priv));
    *phPublicKey = handles.first;
    *phPrivateKey = handles.second;
    return Status::Ok();
  });
}

// 5.14 C_WrapKey.
CK_RV C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey,
                CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen) {
  return WithSession("C_WrapKey", h, Need::kAny, [&](Module& m, Session& s) -> CK_RV {
    if (pMechanism == nullptr || pulWrappedKeyLen == nullptr) return CKR_ARGUMENTS_BAD;
    auto wrapped = WrapKey(m, s, *pMechanism, hWrappingKey, hKey);
    if (!wrapped.ok()) return Finish("C_WrapKey", wrapped.status());
    return Deliver(ByteView(wrapped->data(), wrapped->size()), pWrappedKey, pulWrappedKeyLen);
  });
}

// 5.14 C_UnwrapKey.
CK_RV C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey,
                  CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,
                  CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey) {
  return WithSession("C_UnwrapKey", h, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (pMechanism == nullptr || pWrappedKey == nullptr || phKey == nullptr)
      return Rv(CKR_ARGUMENTS_BAD, "pMechanism/pWrappedKey/phKey is null");
    CF_ASSIGN_OR_RETURN(AttributeSet tmpl, ReadTemplate(pTemplate, ulAttributeCount));
    CF_ASSIGN_OR_RETURN(*phKey, UnwrapKey(m, s, *pMechanism, hUnwrappingKey, In(pWrappedKey, ulWrappedKeyLen), tmpl));
    return Status::Ok();
  });
}

// 5.14 C_DeriveKey.
CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,
                  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey) {
  return WithSession("C_DeriveKey", h, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (pMechanism == nullptr || phKey == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pMechanism/phKey is null");
    CF_ASSIGN_OR_RETURN(AttributeSet tmpl, ReadTemplate(pTemplate, ulAttributeCount));
    CF_ASSIGN_OR_RETURN(*phKey, DeriveKey(m, s, *pMechanism, hBaseKey, tmpl));
    return Status::Ok();
  });
}

// 5.15 C_SeedRandom: OpenSSL's DRBG seeds itself from the OS; outside seed is refused, as the specification
// allows (CKR_RANDOM_SEED_NOT_SUPPORTED).
CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen) {
  return WithSession("C_SeedRandom", h, Need::kAny, [&](Module&, Session&) -> CK_RV {
    if (pSeed == nullptr && ulSeedLen > 0) return CKR_ARGUMENTS_BAD;
    return CKR_RANDOM_SEED_NOT_SUPPORTED;
  });
}

// 5.15 C_GenerateRandom.
CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR pRandomData, CK_ULONG ulRandomLen) {
  return WithSession("C_GenerateRandom", h, Need::kAny, [&](Module&, Session&) -> Status {
    if (pRandomData == nullptr && ulRandomLen > 0) return Rv(CKR_ARGUMENTS_BAD, "pRandomData is null");
    return RandomFill(pRandomData, ulRandomLen);
  });
}

}  // namespace cf::p11::abi
