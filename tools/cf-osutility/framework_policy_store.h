// The Certifier Framework's policy store file (its cc_trust_manager's sealed state), opened in place by
// cf-osutility's framework mode: a policy_store_message {max_ents, entries (tag, type, value)} in the framework's
// protected blob. We read whether a domain is certified and which auth key it has, and write what --init_trust
// learned, keeping every other entry as it was.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cryptstore/sealer.h"
#include "proto/certifier.pb.h"
#include "proto/policy_store.pb.h"

namespace cf::osutil {

struct FrameworkTrust {
  std::string domain;
  Bytes policy_cert_der;
  std::string host;
  int32_t port = 0;
  std::string public_key_algorithm;
  std::string symmetric_key_algorithm;
  wire::key_message auth_key;           // private
  wire::key_message app_symmetric_key;  // stored only when the policy store has none (the framework makes one at init)
  Bytes admission_cert_der;
};

class FrameworkPolicyStore {
 public:
  // A missing file is an empty store (the framework's initialize_store does the same).
  static Result<FrameworkPolicyStore> Open(const std::string& path, std::shared_ptr<store::Sealer> sealer);

  // The domain's certifier record when the store says it is certified.
  std::optional<wire::certifier_entry> CertifiedDomain(const std::string& domain) const;
  // The stored auth key (private key_message), if any.
  std::optional<wire::key_message> AuthKey() const;
  // Records a certification: algorithms, auth key and the domain's certifier entry (certified, initialised).
  void Record(const FrameworkTrust& trust);
  // Seals with `key_type` (the framework's symmetric algorithm) and replaces the file.
  Status Save(const std::string& key_type);

 private:
  FrameworkPolicyStore(std::string path, std::shared_ptr<store::Sealer> sealer)
      : path_(std::move(path)), sealer_(std::move(sealer)) {}
  const wire::policy_store_entry* Find(const std::string& tag, const std::string& type) const;
  void Set(const std::string& tag, const std::string& type, const std::string& value);

  std::string path_;
  std::shared_ptr<store::Sealer> sealer_;
  wire::policy_store_message content_;
};

}  // namespace cf::osutil
