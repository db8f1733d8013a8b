// The Certifier Framework's authenticated encryption formats (its `authenticated_encrypt`), so our tools read and
// write files the framework's tools made: "aes-256-cbc-hmac-sha256" (64-byte key: AES key = bytes 0..31, MAC key =
// bytes 32..63; IV 16 || AES-256-CBC with PKCS#7 || HMAC-SHA256(IV || ciphertext)) and "aes-256-gcm" (32-byte key;
// nonce 12 || ciphertext || tag 16, no AAD). For the framework's files only: our own formats use common/aead.h.
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::cfcipher {

inline constexpr char kCbcHmacSha256[] = "aes-256-cbc-hmac-sha256";
inline constexpr char kGcm[] = "aes-256-gcm";

// The key size the framework uses for `algorithm` (64 or 32); 0 for an algorithm we do not read or write.
size_t KeySize(std::string_view algorithm);

// kInvalidArgument for another algorithm or a key of the wrong size. The IV/nonce is random.
Result<Bytes> Encrypt(std::string_view algorithm, ByteView key, ByteView plaintext);
// kCorrupt when the MAC or tag does not verify, or the data is too short; no plaintext is released then.
Result<SecureBytes> Decrypt(std::string_view algorithm, ByteView key, ByteView sealed);

// HMAC-SHA256 (the framework's MAC and its SEV key derivation's PRF).
Result<Bytes> HmacSha256(ByteView key, ByteView data);

}  // namespace cf::cfcipher
