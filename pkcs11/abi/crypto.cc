// Encryption, decryption, digest, signing and verification functions (PKCS#11 3.0 sections 5.8-5.13), over
// model/crypto_ops.cc. Every output goes through one Produce() so the buffer protocol is the same everywhere.
#include <cstring>

#include "pkcs11/abi/convert.h"
#include "pkcs11/abi/entry.h"
#include "pkcs11/abi/functions.h"
#include "pkcs11/model/crypto_ops.h"

namespace cf::p11::abi {
namespace {

CK_RV InitOp(const char* fn, CK_SESSION_HANDLE hSession, OpKind kind, CK_MECHANISM_PTR pMechanism,
             CK_OBJECT_HANDLE hKey) {
  return WithSession(fn, hSession, Need::kAny, [&](Module& m, Session& s) -> Status {
    if (pMechanism == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pMechanism is null");
    return OperationInit(m, s, kind, *pMechanism, hKey);
  });
}

CK_RV Produce(const char* fn, CK_SESSION_HANDLE hSession, OpKind kind, Step step, CK_BYTE_PTR pIn, CK_ULONG ulIn,
              CK_BYTE_PTR pOut, CK_ULONG_PTR pulOut) {
  return WithSession(fn, hSession, Need::kAny, [&](Module&, Session& s) -> CK_RV {
    if (pulOut == nullptr || (pIn == nullptr && ulIn > 0)) {
      s.op(kind).reset();  // an error ends the operation (section 5.2)
      return CKR_ARGUMENTS_BAD;
    }
    std::optional<size_t> capacity;
    if (pOut != nullptr) capacity = *pulOut;
    auto out = RunStep(s, kind, step, In(pIn, ulIn), capacity, pOut);
    if (!out.ok()) return Finish(fn, out.status());
    *pulOut = out->length;
    if (out->length_only || out->written) return out->rv;
    if (!out->data.empty()) std::memcpy(pOut, out->data.data(), out->data.size());
    return CKR_OK;
  });
}

CK_RV Accumulate(const char* fn, CK_SESSION_HANDLE hSession, OpKind kind, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return WithSession(fn, hSession, Need::kAny, [&](Module&, Session& s) -> Status {
    if (pPart == nullptr && ulPartLen > 0) {
      s.op(kind).reset();
      return Rv(CKR_ARGUMENTS_BAD, "pPart is null");
    }
    return AccumulateStep(s, kind, In(pPart, ulPartLen));
  });
}

}  // namespace

// 5.8 encryption.
CK_RV C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return InitOp("C_EncryptInit", h, OpKind::kEncrypt, pMechanism, hKey);
}
CK_RV C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pEncryptedData,
                CK_ULONG_PTR pulEncryptedDataLen) {
  return Produce("C_Encrypt", h, OpKind::kEncrypt, Step::kOneShot, pData, ulDataLen, pEncryptedData,
                 pulEncryptedDataLen);
}
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart,
                      CK_ULONG_PTR pulEncryptedPartLen) {
  return Produce("C_EncryptUpdate", h, OpKind::kEncrypt, Step::kUpdate, pPart, ulPartLen, pEncryptedPart,
                 pulEncryptedPartLen);
}
CK_RV C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pLastEncryptedPart, CK_ULONG_PTR pulLastEncryptedPartLen) {
  return Produce("C_EncryptFinal", h, OpKind::kEncrypt, Step::kFinal, nullptr, 0, pLastEncryptedPart,
                 pulLastEncryptedPartLen);
}

// 5.9 decryption.
CK_RV C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return InitOp("C_DecryptInit", h, OpKind::kDecrypt, pMechanism, hKey);
}
CK_RV C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData,
                CK_ULONG_PTR pulDataLen) {
  return Produce("C_Decrypt", h, OpKind::kDecrypt, Step::kOneShot, pEncryptedData, ulEncryptedDataLen, pData,
                 pulDataLen);
}
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
                      CK_ULONG_PTR pulPartLen) {
  return Produce("C_DecryptUpdate", h, OpKind::kDecrypt, Step::kUpdate, pEncryptedPart, ulEncryptedPartLen, pPart,
                 pulPartLen);
}
CK_RV C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen) {
  return Produce("C_DecryptFinal", h, OpKind::kDecrypt, Step::kFinal, nullptr, 0, pLastPart, pulLastPartLen);
}

// 5.10 message digesting.
CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism) {
  return InitOp("C_DigestInit", h, OpKind::kDigest, pMechanism, CK_INVALID_HANDLE);
}
CK_RV C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
               CK_ULONG_PTR pulDigestLen) {
  return Produce("C_Digest", h, OpKind::kDigest, Step::kOneShot, pData, ulDataLen, pDigest, pulDigestLen);
}
CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return Accumulate("C_DigestUpdate", h, OpKind::kDigest, pPart, ulPartLen);
}
CK_RV C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE hKey) {
  return WithSession("C_DigestKey", h, Need::kAny, [&](Module& m, Session& s) { return DigestKey(m, s, hKey); });
}
CK_RV C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) {
  return Produce("C_DigestFinal", h, OpKind::kDigest, Step::kFinal, nullptr, 0, pDigest, pulDigestLen);
}

// 5.11 signing and MACing.
CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return InitOp("C_SignInit", h, OpKind::kSign, pMechanism, hKey);
}
CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
             CK_ULONG_PTR pulSignatureLen) {
  return Produce("C_Sign", h, OpKind::kSign, Step::kOneShot, pData, ulDataLen, pSignature, pulSignatureLen);
}
CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return Accumulate("C_SignUpdate", h, OpKind::kSign, pPart, ulPartLen);
}
CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  return Produce("C_SignFinal", h, OpKind::kSign, Step::kFinal, nullptr, 0, pSignature, pulSignatureLen);
}
// 5.11 C_SignRecoverInit / C_SignRecover: no mechanism here offers signatures with message recovery.
CK_RV C_SignRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return WithSession("C_SignRecoverInit", h, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}
CK_RV C_SignRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                    CK_ULONG_PTR pulSignatureLen) {
  return WithSession("C_SignRecover", h, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}

// 5.12 verification.
CK_RV C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return InitOp("C_VerifyInit", h, OpKind::kVerify, pMechanism, hKey);
}
CK_RV C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
               CK_ULONG ulSignatureLen) {
  return WithSession("C_Verify", h, Need::kAny, [&](Module&, Session& s) -> Status {
    if ((pData == nullptr && ulDataLen > 0) || pSignature == nullptr) {
      s.op(OpKind::kVerify).reset();
      return Rv(CKR_ARGUMENTS_BAD, "pData/pSignature is null");
    }
    return RunVerify(s, In(pData, ulDataLen), In(pSignature, ulSignatureLen), false);
  });
}
CK_RV C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return Accumulate("C_VerifyUpdate", h, OpKind::kVerify, pPart, ulPartLen);
}
CK_RV C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  return WithSession("C_VerifyFinal", h, Need::kAny, [&](Module&, Session& s) -> Status {
    if (pSignature == nullptr) {
      s.op(OpKind::kVerify).reset();
      return Rv(CKR_ARGUMENTS_BAD, "pSignature is null");
    }
    return RunVerify(s, ByteView(), In(pSignature, ulSignatureLen), true);
  });
}
CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return WithSession("C_VerifyRecoverInit", h, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}
CK_RV C_VerifyRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen, CK_BYTE_PTR pData,
                      CK_ULONG_PTR pulDataLen) {
  return WithSession("C_VerifyRecover", h, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}

// 5.13 dual-function operations: not supported (no client we serve uses them; each would need two active
// operations stepped together, which the single-operation-per-kind session state does not model yet).
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return WithSession("C_DigestEncryptUpdate", h, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return WithSession("C_DecryptDigestUpdate", h, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return WithSession("C_SignEncryptUpdate", h, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return WithSession("C_DecryptVerifyUpdate", h, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}

}  // namespace cf::p11::abi
