// The Certifier Framework's simulated platform, from the framework's own platform files: the attestation key
// (serialized private key_message), the measurement (raw bytes) and the endorsement "platformKey says attestKey
// is-trusted-for-attestation" (serialized signed_claim_message). Attests as the framework's simulated enclave does
// and seals the framework's way (framework_sealing.h: public constant key), so cf-osutility opens the framework's
// files in place. Development only: whoever reads those files is the platform.
#pragma once

#include <memory>
#include <string>

#include "attest/enclave.h"

namespace cf::attest::cfcompat {

struct FrameworkPlatformFiles {
  std::string attest_key_file;
  std::string measurement_file;
  std::string endorsement_file;
};

// kNotFound names a missing file; kInvalidArgument one that does not parse (and which flag names it).
Result<std::unique_ptr<Enclave>> OpenFrameworkSimulatedEnclave(const FrameworkPlatformFiles& files);

}  // namespace cf::attest::cfcompat
