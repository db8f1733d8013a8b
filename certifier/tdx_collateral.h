// Intel's TDX collateral as the Certifier Service holds it: TCB info (one file per FMSPC), the TD QE identity, the
// TCB Info issuer chain, and CRLs (PCK Platform/Processor CA, Intel SGX Root CA), all files the operator supplies
// (cf-certifier --tdx-*-file; verification stays offline, nothing is fetched from Intel). Loaded whole and checked
// (form, signatures under the chain's leaf, CRLs parse); read again on SIGHUP since Intel's collateral expires at its
// nextUpdate. Per quote, TdxTcbProperties judges currency, the chain against the quote's root, and Intel's TCB
// level matching (attest/tdx/collateral.h), and turns the verdict into intel-tdx platform properties.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "attest/tdx/collateral.h"
#include "attest/verify_tdx.h"
#include "common/bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

struct TdxCollateralFiles {
  std::vector<std::string> tcb_info;  // --tdx-tcb-info-file, repeatable (one per FMSPC)
  std::string qe_identity;            // --tdx-qe-identity-file
  std::string tcb_chain;              // --tdx-tcb-chain-file (PEM: TCB Signing, then the root)
  std::vector<std::string> crls;      // --tdx-crl-file, repeatable (DER or PEM)
  bool empty() const { return tcb_info.empty() && qe_identity.empty() && tcb_chain.empty() && crls.empty(); }
};

struct TdxCollateralSet {
  struct Document {
    std::string path;
    std::string json;
    attest::tdx::DocumentFacts facts;
  };
  std::vector<Document> tcb_infos;  // empty: no TCB collateral (CRLs may still be given)
  Document qe_identity;
  std::string tcb_chain_path;
  Bytes tcb_chain_pem;
  std::vector<Bytes> crls;
  bool has_tcb() const { return !tcb_infos.empty(); }
  // "TCB info for 2 FMSPCs (next update ...), QE identity (next update ...), 2 CRLs" for the log.
  std::string Describe() const;
  // One line per document whose nextUpdate is before `now` (the operator is told at load; quotes are denied).
  std::vector<std::string> Expired(int64_t now) const;
};

// Reads and checks every file: TCB info, QE identity and chain all three or none; each readable (the refusal names
// the option and file), of Intel's form with a signature that verifies under the chain's first certificate, which the
// chain's last (self-signed) one issued; no two TCB info files for one FMSPC; each CRL parses.
Result<std::shared_ptr<const TdxCollateralSet>> LoadTdxCollateral(const TdxCollateralFiles& files, int64_t now);

// The reasons a collateral property may be absent from a TDX platform, for the policy's denial.
using AbsenceReasons = std::map<std::string, std::string>;
AbsenceReasons NoTcbCollateralReasons();

// For a verified quote: the TCB info for its PCK's FMSPC, both documents current at options.now (else denied naming
// the file and its nextUpdate), the chain ending in the quote's own root, attest::tdx::EvaluateTcb, a "Revoked"
// level refused; then appends to `platform` tcb-status, qe-status, tdx-module-status (when the TCB info has the
// module's levels), tcb-date, advisory-ids (comma-separated, "none" when empty) as strings and
// tcb-evaluation-data-number as an int. kPolicyDenied / kUnauthenticated with the reason otherwise.
Status AddTdxTcbProperties(const attest::TdxVerification& verified, const TdxCollateralSet& set,
                           const attest::TdxVerifyOptions& options, wire::platform* platform, AbsenceReasons* absent);

}  // namespace cf::certifier
