// A TDX attestation made here under a test root: a root CA, a PCK Platform CA, a PCK certificate with Intel's SGX
// extensions (FMSPC, TCB components, PCESVN), a TCB Signing certificate, CRLs, signed TCB info / QE identity
// collateral, and quotes signed by an attestation key the QE report binds. What Intel's genuine quote cannot give the
// tests: revocation, collateral, chosen TD attributes and REPORTDATA. Nothing here is Intel's; tests pin this root.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "attest/sev_snp/report_source.h"
#include "attest/tdx/quote.h"
#include "common/bytes.h"
#include "common/ossl.h"

namespace cf::attest::tdx::testing {

struct TestPki {
  TestPki();  // generates every key and certificate (P-256), valid from a day ago for ten years

  ossl::PKey root_key, ca_key, pck_key, signing_key, attestation_key;
  ossl::X509Ptr root, ca, pck, signing;
  std::array<uint8_t, 6> fmspc = {0x00, 0x80, 0x6f, 0x05, 0x00, 0x00};
  std::array<uint8_t, 16> sgx_components = {2, 2, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  uint16_t pce_svn = 11;

  Bytes RootSha256() const;
  std::string PckChainPem() const;      // PCK, Platform CA, root
  std::string SigningChainPem() const;  // TCB Signing, root
  // A CRL by `issuer` (the CA or the root) listing `revoked_serials`, current for a year.
  Bytes Crl(bool by_root, const std::vector<long>& revoked_serials) const;
  long pck_serial = 4242;

  // A v4 quote of `body` (REPORTDATA and all) with a QE report (MRSIGNER 0x11.., ISVPRODID 2, ISVSVN `qe_svn`) signed
  // by the PCK key and binding the attestation key.
  Bytes Quote(const TdReport& body, uint16_t qe_svn = 4) const;

  // Collateral signed by the TCB Signing key: the given JSON values of "tcbInfo"/"enclaveIdentity".
  std::string SignedJson(const std::string& key, const std::string& value) const;

  // Intel-form collateral values for this PKI's PCK (its FMSPC, PCE id 0000, SGX components and PCESVN) and a TDX 1.0
  // module (MRSIGNERSEAM zero): one TCB level per (minimum TEE_TCB_SVN[2], status), highest first, TEE_TCB_SVN[0] 3;
  // tcbEvaluationDataNumber 17. The QE identity matches the quotes Quote() makes (QE ISVSVN 4 and up: UpToDate).
  std::string TcbInfoValue(const std::vector<std::pair<int, std::string>>& levels,
                           const std::string& next_update = "2099-01-01T00:00:00Z") const;
  std::string QeIdentityValue(const std::string& next_update = "2099-01-01T00:00:00Z") const;
};

// A quote source (the TDX enclave's device layer) that writes a quote of `body` with the REPORTDATA asked for,
// signed under `pki`, as a TDX guest's configfs-tsm would.
std::unique_ptr<snp::ReportSource> SigningQuoteSource(std::shared_ptr<const TestPki> pki, TdReport body);

// A TDX 1.0 body with the given REPORTDATA, TEE_TCB_SVN 03 00 ..., MRTD 0x5a.., non-debug attributes.
TdReport SampleBody(ByteView report_data = {});

}  // namespace cf::attest::tdx::testing
