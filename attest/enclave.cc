// OpenEnclave: the one factory that picks an enclave backend by the framework's type name.
#include "attest/enclave.h"

#include "attest/sev_snp/sev_enclave.h"
#include "attest/simulated/simulated_enclave.h"
#include "attest/tdx/tdx_enclave.h"
#include "attest/tpm/tpm_enclave.h"

namespace cf::attest {

Result<std::unique_ptr<Enclave>> OpenEnclave(const EnclaveOptions& options) {
  if (options.type == kSimulatedEnclave) {
    CF_ASSIGN_OR_RETURN(std::unique_ptr<SimulatedEnclave> enclave, SimulatedEnclave::Open(options));
    return std::unique_ptr<Enclave>(std::move(enclave));
  }
  if (options.type == kSevEnclave) return OpenSevEnclave(options);
  if (options.type == kTpmEnclave) return OpenTpmEnclave(options);
  if (options.type == kTdxEnclave) return OpenTdxEnclave(options);
  return Status(Code::kInvalidArgument, "unknown enclave type '" + options.type + "'; known types: '" +
                                            kSimulatedEnclave + "', '" + kSevEnclave + "', '" + kTpmEnclave + "', '" +
                                            kTdxEnclave + "'");
}

}  // namespace cf::attest
