// The tools' shared start: token directory, store, optional PIN, credentials, TLS context.
#include "keyservice/token_access.h"

#include "common/atomic_file.h"
#include "entries/certification.h"

namespace cf::keysvc {

Result<SecureString> ReadPinFile(const std::string& path) {
  auto data = ReadFile(path, 4096);
  if (!data.ok()) return data.status().Annotate("--pin-file '" + path + "'");
  SecureString pin(data->begin(), data->end());
  OPENSSL_cleanse(data->data(), data->size());
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  return pin;
}

Result<OpenedToken> OpenToken(const TokenAccess& access, Side side) {
  tokendir::TokenLocation location;
  location.directory = access.token_dir.empty() ? tokendir::DefaultTokenDirectory() : access.token_dir;
  CF_ASSIGN_OR_RETURN(location.backend, tokendir::ParseBackend(access.backend));
  location.create_if_missing = false;
  if (!FileExists(tokendir::StorePath(location))) {
    return Status(Code::kNotFound, "no " + access.backend + " store in token directory " + location.directory +
                                       "; initialise and certify it first (cf-osutility --token-dir DIR --init-trust "
                                       "--certifier-address HOST:PORT --policy-cert-file FILE)");
  }
  OpenedToken out;
  auto storage = tokendir::OpenTokenStorage(location);
  if (!storage.ok()) return storage.status().Annotate("opening token directory " + location.directory);
  out.storage = std::move(*storage);
  if (access.user_pin) {
    CF_RETURN_IF_ERROR(out.storage.store->Login(store::Role::kUser, *access.user_pin).Annotate("user PIN"));
  }
  Bytes policy;
  if (!access.policy_cert_file.empty()) {
    CF_ASSIGN_OR_RETURN(policy, entries::LoadPolicyCertificate(access.policy_cert_file, "--policy-cert-file"));
  }
  out.tags = CredentialTagsFor(access.framework_domain);
  auto credentials = LoadCredentials(*out.storage.store, out.tags, policy);
  if (!credentials.ok()) {
    Status failed = credentials.status().Annotate("token directory " + location.directory);
    // C_Login's certification keeps the auth key in the PIN tier: the reader needs the user PIN.
    if (!access.user_pin && failed.message().find("log in first") != std::string::npos) {
      return Status(failed.code(), failed.message() + " (give the user PIN with --pin-file)");
    }
    return failed;
  }
  out.credentials = std::move(*credentials);
  CF_ASSIGN_OR_RETURN(out.tls, MakeTlsContext(side, out.credentials));
  return out;
}

}  // namespace cf::keysvc
