// The byte string C_GetOperationState hands out for a digest in progress, and its strict parser for
// C_SetOperationState. OpenSSL 3 cannot export a digest's internal state, so the state is the input so far: magic
// and version, the digest mechanism, the input. Self-contained, so it restores in any session of any process with
// the module and there is no module-side table to leak. Never holds key bytes (digest.cc: C_DigestKey makes a
// digest unsaveable).
#pragma once

#include <cstddef>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11 {

// The most input a digest keeps for its saved state, and the most a saved state may carry. The client that needs
// saving (pkcs11-provider's digest dupctx, TLS 1.3 transcript hashes) duplicates a handshake transcript: a few
// KiB, and at most a little over OpenSSL's default limit on a peer's certificate list (100 KiB,
// SSL_CTX_set_max_cert_list). 256 KiB covers that with room while bounding the memory every multi-part digest
// keeps and every state copy costs. Past it, C_GetOperationState answers CKR_STATE_UNSAVEABLE.
inline constexpr size_t kMaxSavedDigestInput = 256 * 1024;

// A parsed state; input views the bytes it was parsed from.
struct SavedDigest {
  CK_MECHANISM_TYPE mechanism;
  ByteView input;
};

// input.size() must be <= kMaxSavedDigestInput (the caller keeps no more).
SecureBytes EncodeDigestState(CK_MECHANISM_TYPE mechanism, ByteView input);
// CKR_SAVED_STATE_INVALID (through Rv) naming what is wrong: not our magic, another version or kind, a length
// that does not match the bytes given, or more input than kMaxSavedDigestInput. The mechanism is not judged here
// (the model asks the registry).
Result<SavedDigest> DecodeDigestState(ByteView state);

}  // namespace cf::p11
