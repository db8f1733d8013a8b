// The Certifier Framework's sealing on an SEV-SNP guest, over our SEV-SNP enclave: attestation and platform
// evidence are the SEV enclave's own; Seal/Unseal use the framework's key (SNP_GET_DERIVED_KEY through its
// derivation, framework_sealing.h) and its aes-256-cbc-hmac-sha256 layout, so cf-osutility opens the files the
// framework's cf_utility sealed on the same guest. Only the format is tested here (no SEV-SNP hardware in CI).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "attest/enclave.h"

namespace cf::attest::cfcompat {

// Where the framework's SEV key comes from: the firmware's 32-byte derived key (tests hand in a fixed one).
using DerivedKeySource = std::function<Result<SecureBytes>()>;

std::unique_ptr<Enclave> WrapWithFrameworkSevSealing(std::unique_ptr<Enclave> sev, DerivedKeySource derived_key);

// The SEV-SNP guest's enclave (certificates from the host's table, else ark.der/ask.der/vcek.der in
// cert_directory) sealing the framework's way. kUnimplemented outside an SEV-SNP guest.
Result<std::unique_ptr<Enclave>> OpenFrameworkSevEnclave(const std::string& cert_directory);

}  // namespace cf::attest::cfcompat
