// ECDSA signature encodings: PKCS#11 wants r || s, each half left-padded to the field size; OpenSSL produces and
// expects the DER ECDSA-Sig-Value SEQUENCE { r INTEGER, s INTEGER }.
#pragma once

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::p11 {

// Appends r||s (2 * half bytes) for a DER ECDSA-Sig.
Status EcdsaDerToRaw(ByteView der, size_t half, SecureBytes* out);
// DER ECDSA-Sig for r||s (size must be even).
Result<Bytes> EcdsaRawToDer(ByteView raw);

}  // namespace cf::p11
