// How the Certifier Framework's enclaves seal, so cf-osutility opens and writes the framework's own files in place:
// both use aes-256-cbc-hmac-sha256 (common/cf_cipher.h) under a 64-byte key. Its simulated enclave's key is a public
// constant (byte i = 5*i mod 16) and it prefixes the measurement; on an SEV-SNP guest the key comes from the
// firmware's derived key through the framework's PBKDF2-like derivation. Never used for our own files.
#pragma once

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::attest::cfcompat {

inline constexpr size_t kFrameworkSealKeySize = 64;

// The framework's simulated enclave's sealing key: a constant, identical on every machine (no secrecy at all).
SecureBytes SimulatedSealingKey();

// The framework's SEV-SNP sealing key from the firmware's 32-byte derived key (VCEK, guest policy and measurement
// mixed in): 100 rounds of HMAC-SHA256 per 32-byte block, PBKDF2's shape but with the framework's fixed 28-byte
// salt and its block counter appended little-endian.
Result<SecureBytes> SevSealingKeyFromDerivedKey(ByteView derived_key);

// The framework's Seal: aes-256-cbc-hmac-sha256 over (prefix || secret). The simulated enclave passes its
// measurement as the prefix; SEV passes none (the measurement is in the derived key).
Result<Bytes> FrameworkSeal(ByteView key, ByteView prefix, ByteView secret);
// kCorrupt when the MAC fails; kUnauthenticated when the prefix is not `prefix` (another measurement).
Result<SecureBytes> FrameworkUnseal(ByteView key, ByteView prefix, ByteView sealed);

}  // namespace cf::attest::cfcompat
