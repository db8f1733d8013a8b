// The Intel TDX Enclave backend ("tdx-enclave"): quotes through the kernel's configfs-tsm (provider "tdx_guest";
// the kernel turns the TDREPORT into a quote with the host's Quote Generation Service), REPORTDATA = SHA-384 of the
// serialized user data then 16 zero bytes (the SEV-SNP rule). The quote source is the SNP backend's ReportSource
// interface (same configfs-tsm code, another provider), so tests replay or synthesise quotes.
//
// Sealing: a TD has no sealing-key instruction (SGX's EGETKEY and SNP's MSG_KEY_REQ have no TDX counterpart; keys
// bound to a measurement need an outside party, e.g. a key broker releasing a key to an attested TD). Seal and
// Unseal therefore refuse with kUnimplemented naming that alternative; nothing pretends to seal.
#pragma once

#include <memory>

#include "attest/enclave.h"
#include "attest/sev_snp/report_source.h"
#include "common/status.h"

namespace cf::attest {

// kUnimplemented "not running in an Intel TDX guest: ..." when /sys/kernel/config/tsm/report does not exist or is
// another provider's.
Result<std::unique_ptr<Enclave>> OpenTdxEnclave(const EnclaveOptions& options);

// The same over a given quote source (tests). Fetches one quote to learn MRTD (the measurement).
Result<std::unique_ptr<Enclave>> OpenTdxEnclaveWith(std::unique_ptr<snp::ReportSource> source);

}  // namespace cf::attest
