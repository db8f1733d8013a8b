// The simulated platform's RSA-2048 keys: generation, DER storage, the framework's public key_message form,
// and RSA PKCS#1 v1.5 SHA-256 signatures ("rsa-2048-sha256-pkcs-sign"). Nothing here knows about sealing.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest::simulated {

inline constexpr char kRsaSigningAlgorithm[] = "rsa-2048-sha256-pkcs-sign";

Result<ossl::PKey> GenerateRsa2048();
Result<SecureBytes> PrivateKeyDer(EVP_PKEY* key);
// kCorrupt when the bytes are not an RSA-2048 private key.
Result<ossl::PKey> PrivateKeyFromDer(ByteView der);
// key_message {key_name, key_type "rsa-2048-public", key_format "vse-key", rsa_key {modulus, exponent}}
// (proto/key_codec).
Result<wire::key_message> PublicKeyMessage(EVP_PKEY* key, const std::string& name);
Result<Bytes> SignRsaSha256(EVP_PKEY* key, ByteView data);

}  // namespace cf::attest::simulated
