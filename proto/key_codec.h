// Conversions between the Certifier Framework's key_message and OpenSSL keys, and key generation by the
// framework's algorithm names. key_type strings: "rsa-2048-private", "rsa-3072-public", "ecc-256-private",
// "ecc-384-public", symmetric "aes-256-gcm" (32-byte secret), "aes-256-cbc-hmac-sha256" (64), "aes-256-cbc-hmac-sha384"
// (80), "aes-256" (32). RSA/EC numbers are unsigned big-endian (no leading zeros). key_format "vse-key".
#pragma once

#include <string>
#include <string_view>

#include "common/ossl.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::keys {

// A key_message holding an RSA or ECC key (private when the private parts are present) as an EVP_PKEY.
// kInvalidArgument names what is missing or inconsistent.
Result<ossl::PKey> PKeyFromKeyMessage(const wire::key_message& key);
// key_type is derived ("rsa-2048-private", "ecc-384-public"); key_format "vse-key".
Result<wire::key_message> KeyMessageFromPKey(EVP_PKEY* pkey, bool include_private, const std::string& key_name);
// The public half of an asymmetric key_message (same name, "-public" type, no private fields).
Result<wire::key_message> PublicKeyMessage(const wire::key_message& private_key);
// Generates a key by the framework's algorithm names: "rsa-2048", "rsa-3072", "rsa-4096", "ecc-256", "ecc-384"
// (also accepted: "rsa_2048", "ecc_p256", "ecc-p384"...), or a symmetric name ("aes-256-gcm", ...).
// not_before/not_after are set to now / now + validity_seconds.
Result<wire::key_message> GenerateKeyMessage(std::string_view algorithm, const std::string& key_name,
                                             int64_t validity_seconds = 365LL * 24 * 3600);
bool IsSymmetricAlgorithm(std::string_view algorithm);
bool IsPrivateKeyType(std::string_view key_type);

}  // namespace cf::keys
