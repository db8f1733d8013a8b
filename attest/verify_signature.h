// Signatures by the Certifier Framework's signing-algorithm names, and the signed claims built on them:
// RSA PKCS#1 v1.5 with SHA-256/SHA-384 and ECDSA (DER) on P-256/P-384. Verification only produces facts
// ("this key signed this clause"); whether the key is trusted is the policy's question (certifier/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest {

inline constexpr char kRsa2048Sha256[] = "rsa-2048-sha256-pkcs-sign";
inline constexpr char kRsa3072Sha384[] = "rsa-3072-sha384-pkcs-sign";
inline constexpr char kRsa4096Sha384[] = "rsa-4096-sha384-pkcs-sign";
inline constexpr char kEcc256Sha256[] = "ecc-256-sha256-pkcs-sign";
inline constexpr char kEcc384Sha384[] = "ecc-384-sha384-pkcs-sign";

// The framework's algorithm name for signing with `key` (RSA size picks the digest as the framework's C++ does).
Result<std::string> SigningAlgorithmFor(EVP_PKEY* key);

// kInvalidArgument for an unknown name or one that does not fit the key; kUnauthenticated for a bad signature.
Status VerifySignature(EVP_PKEY* key, std::string_view algorithm, ByteView data, ByteView signature);
Result<Bytes> Sign(EVP_PKEY* key, std::string_view algorithm, ByteView data);

// A checked signed claim: the clause it carries and who signed it.
struct VerifiedClaim {
  wire::vse_clause clause;
  wire::key_message signer;  // the public key that verified the signature
  std::string descriptor;
};

// Verifies `claim` with `verifying_key` when given (the policy key for policy statements), else with the key the
// claim embeds; checks claim_format "vse-clause" and that `now` is within [not_before, not_after].
Result<VerifiedClaim> VerifySignedClaim(const wire::signed_claim_message& claim, const wire::key_message* verifying_key,
                                        int64_t now);

// Builds and signs a claim "vse-clause" valid from `not_before` for `validity_seconds`.
Result<wire::signed_claim_message> MakeSignedClaim(const wire::vse_clause& clause, const wire::key_message& private_key,
                                                   const std::string& descriptor, int64_t not_before,
                                                   int64_t validity_seconds);

}  // namespace cf::attest
