// Domain directory mapping and opening the store with the right backend, file names and PIN.
#include "tools/cf-osutility/domain.h"

#include "common/atomic_file.h"

namespace cf::osutil {

std::string DomainDirectory(const Options& options) {
  if (options.policy_domain.empty()) return options.token_dir;
  return options.token_dir + "/domains/" + options.policy_domain;
}

tokendir::TokenLocation DomainLocation(const Options& options, bool create) {
  tokendir::TokenLocation location;
  location.directory = DomainDirectory(options);
  location.enclave_type = options.enclave_type;
  location.tpm_tcti = options.tpm_device.empty() ? options.tpm_tcti : "device:" + options.tpm_device;
  location.tpm_pcrs = options.tpm_pcrs;
  location.backend =
      tokendir::ParseBackend(options.backend).ok() ? *tokendir::ParseBackend(options.backend) : store::Backend::kSqlite;
  // Every domain shares the one platform of the token directory: a machine has one platform.
  location.platform_directory =
      options.sealed_key_directory.empty() ? options.token_dir + "/platform" : options.sealed_key_directory;
  const std::string& file =
      location.backend == store::Backend::kSqlite ? options.cryptstore_name : options.encrypted_cryptstore_filename;
  if (!file.empty()) location.store_path = location.directory + "/" + file;
  location.create_if_missing = create;
  return location;
}

Result<tokendir::TokenStorage> OpenDomain(const Options& options, bool create) {
  tokendir::TokenLocation location = DomainLocation(options, create);
  std::string where = options.policy_domain.empty() ? "the default domain" : "domain '" + options.policy_domain + "'";
  if (!create && (!FileExists(tokendir::StorePath(location)) || !FileExists(location.platform_directory))) {
    return Status(Code::kNotFound, where + " has no " + options.backend + " store at " + tokendir::StorePath(location) +
                                       " (or no platform at " + location.platform_directory +
                                       "); run cf-osutility --init-trust with the same --token-dir, "
                                       "--policy-domain and --backend first");
  }
  auto storage = tokendir::OpenTokenStorage(location);
  if (!storage.ok()) return storage.status().Annotate("opening " + where + " in " + location.directory);
  if (options.pin) {
    Status login = storage->store->Login(store::Role::kUser, *options.pin);
    if (login.code() == Code::kFailedPrecondition) {
      return Status(Code::kFailedPrecondition, where +
                                                   " has no user PIN set; set one (e.g. pkcs11-tool "
                                                   "--init-pin) or leave out --pin/--pin-file");
    }
    if (!login.ok()) return login.Annotate("logging in with the user PIN");
  }
  return storage;
}

}  // namespace cf::osutil
