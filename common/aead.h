// AES-256-GCM with associated data: the one authenticated-encryption primitive for our own formats.
// Layout of a sealed buffer: 12-byte random nonce || ciphertext || 16-byte tag.
#pragma once

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::aead {

inline constexpr size_t kKeySize = 32;
inline constexpr size_t kNonceSize = 12;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kOverhead = kNonceSize + kTagSize;

// key must be 32 bytes.
Result<Bytes> Seal(ByteView key, ByteView plaintext, ByteView aad);
// kCorrupt when the tag does not verify (tampered, wrong key or wrong AAD); no plaintext is released then.
Result<SecureBytes> Open(ByteView key, ByteView sealed, ByteView aad);

// Open() for many values under one key: the cipher is fetched and the key expanded once, each value then only
// sets its nonce (a store opening thousands of entries at start-up). Same results and errors as Open().
class Opener {
 public:
  static Result<Opener> Create(ByteView key);
  Result<SecureBytes> Open(ByteView sealed, ByteView aad);

 private:
  explicit Opener(ossl::CipherCtx ctx) : ctx_(std::move(ctx)) {}
  ossl::CipherCtx ctx_;
};

}  // namespace cf::aead
