// The SEV-SNP Enclave backend: attestation reports from a ReportSource (configfs-tsm preferred, /dev/sev-guest
// otherwise), sealing keys from the firmware through /dev/sev-guest (SNP_GET_DERIVED_KEY). The factory
// (attest/enclave.cc) calls OpenSevEnclave; where neither interface exists it returns kUnimplemented saying so.
#pragma once

#include <memory>
#include <string>

#include "attest/enclave.h"
#include "attest/sev_snp/report_source.h"
#include "attest/sev_snp/sev_guest_device.h"
#include "common/status.h"

namespace cf::attest {

// options.directory holds the platform certificates (ark.der, ask.der, vcek.der) used where the host's
// certificate table lacks them. kUnimplemented "not running in an SEV-SNP guest: ..." when neither
// /sys/kernel/config/tsm/report nor /dev/sev-guest exists; kPermissionDenied when they cannot be used.
Result<std::unique_ptr<Enclave>> OpenSevEnclave(const EnclaveOptions& options);

// The same over given parts, so tests replay recorded reports. `device` may be null: Seal and Unseal then refuse.
Result<std::unique_ptr<Enclave>> OpenSevEnclaveWith(std::unique_ptr<snp::ReportSource> source,
                                                    std::shared_ptr<snp::SevGuestDevice> device,
                                                    std::string cert_directory);

}  // namespace cf::attest
