// The benchmarked algorithms done directly with OpenSSL EVP: the --openssl column times these, and the PKCS#11
// column uses them to check once, independently of the module, that a signature or ciphertext is right.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::bench {

enum class SigKind {
  kRsaPkcs1Sha256,  // RSASSA-PKCS1-v1_5 with SHA-256 over the message (CKM_SHA256_RSA_PKCS)
  kRsaPssSha256,    // RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (CKM_SHA256_RSA_PKCS_PSS)
  kEcdsaDigest,     // ECDSA over a precomputed digest (CKM_ECDSA); PKCS#11 form r||s, OpenSSL form DER
  kEd25519,         // pure Ed25519 over the message (CKM_EDDSA)
};

// "RSA" 2048, "P-256", "P-384", "ED25519".
Result<ossl::PKey> GenerateKey(const std::string& what);
Result<Bytes> Sign(SigKind kind, EVP_PKEY* key, ByteView data);
// Accepts ECDSA signatures in either form (r||s from PKCS#11 or DER from OpenSSL).
Status Verify(SigKind kind, EVP_PKEY* key, ByteView data, ByteView sig);
// RSA-OAEP with SHA-256 and MGF1-SHA-256 (sha1: SHA-1 for both), no label.
Result<Bytes> OaepEncrypt(EVP_PKEY* key, ByteView plain, bool sha1 = false);
Result<SecureBytes> OaepDecrypt(EVP_PKEY* key, ByteView cipher);
// ECDH: the shared x-coordinate.
Result<SecureBytes> Ecdh(EVP_PKEY* mine, EVP_PKEY* peer);
// AES-256-GCM (12-byte IV, 16-byte tag appended, as PKCS#11 returns it) and AES-256-CBC with PKCS#7 padding.
Result<Bytes> AesGcmEncrypt(ByteView key, ByteView iv, ByteView plain);
Result<Bytes> AesCbcEncrypt(ByteView key, ByteView iv, ByteView plain);
Result<Bytes> Sha256(ByteView data);
Result<Bytes> HmacSha256(ByteView key, ByteView data);

// Public keys as a token returns them: RSA modulus/exponent, EC point (DER OCTET STRING or raw) on a named group,
// Ed25519 point.
Result<ossl::PKey> RsaPublicKey(ByteView modulus, ByteView exponent);
Result<ossl::PKey> EcPublicKey(const std::string& group, ByteView ec_point);
Result<ossl::PKey> Ed25519PublicKey(ByteView ec_point);

}  // namespace cf::bench
