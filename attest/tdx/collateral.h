// Intel's TCB collateral for a TDX quote, supplied as files by the operator (verification is offline): the TCB info
// (v3, id "TDX") for the PCK's FMSPC, the QE identity (v2, id "TD_QE"), and the TCB Info issuer chain (TCB Signing
// certificate -> Intel SGX Root CA) both are signed with. Each JSON's signature (ECDSA P-256, r||s hex) covers the
// exact text of its "tcbInfo" / "enclaveIdentity" value; the chain must end in the same pinned root as the PCK chain.
// The TCB status is Intel's: the first TCB level (highest first) whose SGX components and PCESVN the PCK meets and
// whose TDX components TEE_TCB_SVN meets; the TDX module and the QE are matched against their identities.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attest/verify_tdx.h"
#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::tdx {

struct Collateral {
  std::string tcb_info_json;     // the body of Intel's /tdx/certification/v4/tcb response
  std::string qe_identity_json;  // the body of /tdx/certification/v4/qe/identity
  Bytes issuer_chain_pem;        // the TCB-Info-Issuer-Chain header (PEM: TCB Signing, then root)
};

struct TcbVerdict {
  std::string tcb_status;  // "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "OutOfDate", ...
  std::string tcb_date;
  std::vector<std::string> advisory_ids;
  std::string tdx_module_status;  // the TDX module identity's level status (TDX_xx), or "" when the info has none
  std::string qe_status;          // the QE identity's level status for the QE's ISVSVN
  uint32_t tcb_evaluation_data_number = 0;
};

// Verifies both collateral signatures (chain to the pin at options.now, CRLs as in VerifyPckChain), that the
// collateral is current (nextUpdate after options.now), that it is for this PCK (FMSPC, PCE id), the TDX module's
// MRSIGNERSEAM/SEAMATTRIBUTES and the QE's MRSIGNER/ISVPRODID/MISCSELECT/ATTRIBUTES, and computes the statuses.
// kUnauthenticated: a signature or chain fails; kPolicyDenied: expired collateral, identity mismatch, or no TCB
// level the platform meets ("no TCB level", Intel's Unsupported); kInvalidArgument: malformed JSON (names the field).
// A "Revoked" level is reported as a status for the policy to refuse.
Result<TcbVerdict> EvaluateTcb(const TdxVerification& verified, const Collateral& collateral,
                               const TdxVerifyOptions& options);

// What a service checks when it loads a collateral document, before any quote: Intel's form, the signature by
// `signer` (the issuer chain's leaf; the chain itself is judged per quote, against that quote's root), id and
// version. Expiry is not judged here: a document that expires later must still load.
struct DocumentFacts {
  std::string fmspc_hex;  // TCB info only, lower case
  std::string next_update;
  int64_t next_update_at = 0;
};
// kInvalidArgument for a malformed document (names the field), kUnauthenticated for a signature that fails.
Result<DocumentFacts> CheckTcbInfoDocument(const std::string& json_text, X509* signer);
Result<DocumentFacts> CheckQeIdentityDocument(const std::string& json_text, X509* signer);

}  // namespace cf::attest::tdx
