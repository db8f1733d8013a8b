// AES-256-GCM with associated data: the one authenticated-encryption primitive for our own formats.
// Layout of a sealed buffer: 12-byte random nonce || ciphertext || 16-byte tag.
#pragma once

#include "common/bytes.h"
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

}  // namespace cf::aead
