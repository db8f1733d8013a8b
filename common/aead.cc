// AES-256-GCM through EVP: one context per call for single values (cheap next to the syscalls around them), one
// keyed context reused for a batch (Opener).
#include "common/aead.h"

#include "common/ossl.h"
#include "common/ossl_context.h"
#include "common/random.h"

namespace cf::aead {

Result<Bytes> Seal(ByteView key, ByteView plaintext, ByteView aad) {
  if (key.size() != kKeySize) return Result<Bytes>(Code::kInvalidArgument, "AES-256-GCM key must be 32 bytes");
  Bytes out(kNonceSize + plaintext.size() + kTagSize);
  CF_RETURN_IF_ERROR(RandomFill(out.data(), kNonceSize));
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex2(ctx.get(), ossl::FetchedCipher("AES-256-GCM"), key.data(), out.data(), nullptr) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out.data() + kNonceSize, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kNonceSize + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, out.data() + kNonceSize + plaintext.size()) != 1)
    return ossl::Error("AES-256-GCM seal");
  return out;
}

Result<SecureBytes> Open(ByteView key, ByteView sealed, ByteView aad) {
  CF_ASSIGN_OR_RETURN(Opener opener, Opener::Create(key));
  return opener.Open(sealed, aad);
}

Result<Opener> Opener::Create(ByteView key) {
  if (key.size() != kKeySize) return Result<Opener>(Code::kInvalidArgument, "AES-256-GCM key must be 32 bytes");
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_DecryptInit_ex2(ctx.get(), ossl::FetchedCipher("AES-256-GCM"), key.data(), nullptr, nullptr) != 1)
    return ossl::Error("AES-256-GCM key setup");
  return Opener(std::move(ctx));
}

Result<SecureBytes> Opener::Open(ByteView sealed, ByteView aad) {
  if (sealed.size() < kOverhead)
    return Result<SecureBytes>(
        Code::kCorrupt, "sealed data is " + std::to_string(sealed.size()) + " bytes, shorter than nonce and tag");
  size_t n = sealed.size() - kOverhead;
  SecureBytes out(n);
  int len = 0;
  uint8_t tag[kTagSize];
  std::copy(sealed.end() - kTagSize, sealed.end(), tag);
  // A null cipher and key keep the expanded key; the nonce restarts GCM for this value.
  if (EVP_DecryptInit_ex2(ctx_.get(), nullptr, nullptr, sealed.data(), nullptr) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx_.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx_.get(), out.data(), &len, sealed.data() + kNonceSize, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1)
    return ossl::Error("AES-256-GCM open");
  if (EVP_DecryptFinal_ex(ctx_.get(), out.data() + len, &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return Result<SecureBytes>(Code::kCorrupt, "authentication tag does not verify (tampered data or wrong key)");
  }
  return out;
}

}  // namespace cf::aead
