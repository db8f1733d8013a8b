// The SEV-SNP Enclave backend: attestation reports and sealing keys from the AMD firmware through
// /dev/sev-guest (SNP_GET_REPORT, SNP_GET_DERIVED_KEY). The factory (attest/enclave.cc) calls OpenSevEnclave;
// where no /dev/sev-guest exists it returns kUnimplemented saying so, never a fake.
#pragma once

#include <memory>

#include "attest/enclave.h"
#include "common/status.h"

namespace cf::attest {

// options.directory holds the platform certificates (ark.der, ask.der, vcek.der) that PlatformEvidence() sends.
// kUnimplemented when /dev/sev-guest is absent; kPermissionDenied when it cannot be opened.
Result<std::unique_ptr<Enclave>> OpenSevEnclave(const EnclaveOptions& options);

}  // namespace cf::attest
