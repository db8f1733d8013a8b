// Opens a token's platform (enclave) and store together, adapting the enclave to the store (enclave_adapters.h).
#include "tokendir/token_storage.h"

#include <unistd.h>

#include <cstdlib>

#include "common/atomic_file.h"
#include "tokendir/enclave_adapters.h"

namespace cf::tokendir {

std::string DefaultTokenDirectory() {
  if (const char* dir = std::getenv("CF_PKCS11_TOKEN_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (geteuid() == 0) return "/var/lib/cf-pkcs11/default";
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0')
    return std::string(xdg) + "/cf-pkcs11/default";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/.local/share/cf-pkcs11/default";
  return "/var/lib/cf-pkcs11/default";
}

std::string StorePath(const TokenLocation& location) {
  if (!location.store_path.empty()) return location.store_path;
  return location.directory +
         (location.backend == store::Backend::kSqlite ? "/cryptstore.sqlite" : "/encrypted_cryptstore.datica");
}

Result<store::Backend> ParseBackend(const std::string& name) {
  if (name.empty() || name == "sqlite") return store::Backend::kSqlite;
  if (name == "cf-file") return store::Backend::kCfFile;
  return Result<store::Backend>(Code::kInvalidArgument,
                                "unknown store backend '" + name + "' (known: sqlite, cf-file)");
}

Result<TokenStorage> OpenTokenStorage(const TokenLocation& location) {
  if (location.directory.empty()) return Result<TokenStorage>(Code::kInvalidArgument, "no token directory given");
  if (location.create_if_missing && !location.read_only) {
    CF_RETURN_IF_ERROR(MakeDirectories(location.directory, 0700).Annotate("token directory"));
  } else if (!FileExists(location.directory)) {
    return Result<TokenStorage>(Code::kNotFound, "token directory '" + location.directory + "' does not exist");
  }
  attest::EnclaveOptions enclave_options;
  enclave_options.type = location.enclave_type;
  enclave_options.directory =
      location.platform_directory.empty() ? location.directory + "/platform" : location.platform_directory;
  // A store without its platform cannot be unsealed: making a new platform beside it would turn a damaged token
  // into an empty one and bury the evidence. Only a token with no store yet gets a new platform.
  const bool store_exists = FileExists(StorePath(location));
  enclave_options.create_if_missing = location.create_if_missing && !location.read_only && !store_exists;
  enclave_options.initial_measurement = location.initial_measurement;
  enclave_options.tpm_tcti = location.tpm_tcti;
  enclave_options.tpm_pcrs = location.tpm_pcrs;
  auto enclave = attest::OpenEnclave(enclave_options);
  if (!enclave.ok() && enclave.status().code() == Code::kNotFound && store_exists) {
    // Logged by the caller (Token::Open, the tool), like every other open failure.
    return Status(Code::kNotFound, "token directory '" + location.directory + "' has a store ('" + StorePath(location) +
                                       "') but its platform state in '" + enclave_options.directory +
                                       "' is missing, so the store cannot be unsealed; "
                                       "restore '" +
                                       enclave_options.directory +
                                       "' from a backup, or remove the "
                                       "token directory to start a fresh token (" +
                                       enclave.status().ToString() + ")");
  }
  if (!enclave.ok()) return enclave.status();

  TokenStorage out;
  out.enclave = std::shared_ptr<attest::Enclave>(std::move(enclave).value());
  store::StoreOptions store_options;
  store_options.backend = location.backend;
  store_options.path = StorePath(location);
  store_options.sealer = std::make_shared<EnclaveSealer>(out.enclave);
  store_options.counter = std::make_shared<EnclaveCounter>(out.enclave, store_options.path);
  store_options.create_if_missing = location.create_if_missing && !location.read_only;
  store_options.read_only = location.read_only;
  store_options.pin_kdf_iterations = location.pin_kdf_iterations;
  store_options.max_failed_logins = location.max_failed_logins;
  CF_ASSIGN_OR_RETURN(out.store, store::Store::Open(store_options));
  return out;
}

}  // namespace cf::tokendir
