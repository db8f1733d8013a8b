// Verification of Intel TDX quotes (v4, v5), offline: the PCK certificate chain the quote carries (PCK ->
// Intel SGX PCK Platform/Processor CA -> Intel SGX Root CA) with OpenSSL's X509 store, the root accepted only when
// its DER SHA-256 is the pinned one (a root that merely names itself Intel is refused), CRLs when the operator
// supplies them; the QE report's ECDSA P-256 signature by the PCK key; the QE report's binding of the attestation
// key and QE authentication data (REPORTDATA = SHA-256(key || auth data) || 32 zero bytes); and the quote's ECDSA
// P-256 signature by that attestation key over header and TD report. Produces facts (the TD report, the PCK's
// FMSPC and TCB); TCB status from Intel's collateral is attest/tdx/collateral.h, the decision is the policy's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attest/tdx/pck_extensions.h"
#include "attest/tdx/quote.h"
#include "common/bytes.h"
#include "common/ossl_stacks.h"
#include "common/status.h"

namespace cf::attest {

// SHA-256 of the DER of Intel's SGX Root CA ("Intel SGX Root CA", valid 2018-05-21 .. 2049-12-31).
inline constexpr char kIntelSgxRootCaSha256[] = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

struct TdxVerifyOptions {
  int64_t now = 0;                    // the time certificates and CRLs are judged at (seconds since the epoch)
  Bytes root_sha256;                  // empty: kIntelSgxRootCaSha256. Tests pass their own root's hash.
  std::vector<Bytes> crls;            // DER or PEM CRLs; when given, both the PCK CA's and the root CA's are required
  bool allow_trailing_bytes = false;  // accept bytes after the quote's end (never signed; cf-attest shows them)
};

struct TdxVerification {
  tdx::Quote quote;
  tdx::PckFacts pck;
  std::string pck_issuer;  // "Intel SGX PCK Platform CA" or "... Processor CA"
  ossl::X509Stack chain;   // PCK, intermediate CA, root, as verified
  bool revocation_checked = false;
};

// The certificates of a PEM chain in order. kInvalidArgument when it holds none or something else than PEM
// certificates.
Result<ossl::X509Stack> ReadPemChain(ByteView pem);

// DER or PEM CRL, made in the private library context.
Result<ossl::X509Crl> ParseCrl(ByteView der_or_pem);

// The chain's last certificate is the root: its DER SHA-256 must be the pin, and the chain must verify under it at
// options.now (with the CRLs when given). kUnauthenticated for a root that is not the pinned one or a signature
// that fails; kPolicyDenied for an expired/not yet valid or revoked certificate; each names the certificate.
Status VerifyPckChain(STACK_OF(X509) * chain, const TdxVerifyOptions& options);

// ECDSA P-256 with SHA-256: `rs` is r||s, 32 bytes each, big-endian (Intel's quote and collateral encoding).
// kUnauthenticated "<what> does not verify" when it fails.
Status VerifyP256Signature(EVP_PKEY* key, ByteView rs, ByteView data, const std::string& what);

// SHA-256 of the certificate's DER (what the pin is compared with).
Result<Bytes> CertificateSha256(X509* cert);

// The binding of attested data, the same rule as SEV-SNP: REPORTDATA[0..48) = SHA-384(what_was_said) and
// REPORTDATA[48..64) zero. kUnauthenticated when the quote was made for other data.
Status CheckReportDataBinding(const tdx::TdReport& body, ByteView what_was_said);

// Parses and verifies `raw` in the order Intel's verifier does: chain, QE report signature, QE binding, quote
// signature. Each refusal says which check failed.
Result<TdxVerification> VerifyTdxQuote(ByteView raw, const TdxVerifyOptions& options);

}  // namespace cf::attest
