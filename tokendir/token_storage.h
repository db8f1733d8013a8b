// Where a token lives on disk and how its platform and store are opened: shared by the module and the tools
// (cf-osutility works on the same store as the module). Layout of a token directory:
//   <dir>/cryptstore.sqlite              sqlite backend (default)
//   <dir>/encrypted_cryptstore.datica    cf-file backend (the Certifier Framework's whole-file format)
//   <dir>/platform/                      simulated enclave state (platform key, attestation key, sealing key)
#pragma once

#include <memory>
#include <string>

#include "attest/enclave.h"
#include "common/status.h"
#include "cryptstore/store.h"

namespace cf::tokendir {

struct TokenLocation {
  std::string directory;
  std::string enclave_type = attest::kSimulatedEnclave;
  store::Backend backend = store::Backend::kSqlite;
  std::string platform_directory;  // empty: <directory>/platform
  std::string store_path;          // empty: the backend's default file in <directory> (StorePath)
  bool create_if_missing = true;
  bool read_only = false;
  uint32_t pin_kdf_iterations = 100000;
  uint32_t max_failed_logins = 10;
  Bytes initial_measurement;  // simulated enclave only, when the platform is first created
  std::string tpm_tcti;       // tpm-enclave only (empty: $CF_PKCS11_TPM_TCTI, else device:/dev/tpmrm0)
  std::string tpm_pcrs;       // tpm-enclave only (empty: "7")
};

struct TokenStorage {
  std::shared_ptr<attest::Enclave> enclave;
  std::unique_ptr<store::Store> store;
};

// The default token directory when no configuration names one: $CF_PKCS11_TOKEN_DIR, else
// /var/lib/cf-pkcs11/default for root, else $XDG_DATA_HOME/cf-pkcs11/default (~/.local/share/... if unset).
std::string DefaultTokenDirectory();
std::string StorePath(const TokenLocation& location);
Result<store::Backend> ParseBackend(const std::string& name);  // "sqlite" | "cf-file"

Result<TokenStorage> OpenTokenStorage(const TokenLocation& location);

}  // namespace cf::tokendir
