// Both operations need the sealing key to unseal now (current boot state, or one prepared ahead).
#include "tools/cf-osutility/tpm_reseal.h"

#include <iostream>

#include "attest/tpm/tpm_enclave.h"
#include "tools/cf-osutility/domain.h"

namespace cf::osutil {

Status TpmReseal(const Options& options) {
  tokendir::TokenLocation location = DomainLocation(options, false);
  attest::EnclaveOptions enclave;
  enclave.type = attest::kTpmEnclave;
  enclave.directory = location.platform_directory;
  enclave.tpm_tcti = location.tpm_tcti;
  enclave.tpm_pcrs = location.tpm_pcrs;
  if (options.operation == Operation::kTpmPrepareReseal) {
    CF_RETURN_IF_ERROR(attest::PrepareTpmReseal(enclave, options.tpm_expected_pcrs));
    std::cout << "sealed the platform key also to the expected PCR values (" << enclave.directory
              << "/sealing-key.next.tpm); after the update it is used and becomes the current one\n";
    return Status::Ok();
  }
  CF_RETURN_IF_ERROR(attest::ResealTpmToCurrentBootState(enclave));
  std::cout << "sealed the platform key to the current PCR values (" << enclave.directory
            << "/sealing-key.tpm; the previous one kept as sealing-key.prev.tpm)\n";
  return Status::Ok();
}

}  // namespace cf::osutil
