// Where a key-service peer's identity lives in its token's store, and loading it: the auth key (private), its
// admission certificate and the policy certificate of its domain. Every lookup of those entries goes through
// CredentialTagsFor, so a store that uses the framework's names (<domain>-admission-certificate,
// <domain>-private-auth-key) is served by the same code. Reads the store only; writes nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/status.h"
#include "cryptstore/store.h"

namespace cf::keysvc {

struct CredentialTags {
  std::string auth_key;
  std::string admission_certificate;
  std::string policy_certificate;

  // The tags a peer may never write (the key service's `store`, and what a client keeps): all three.
  std::vector<std::string> Protected() const { return {auth_key, admission_certificate, policy_certificate}; }
};

// framework_domain empty: our stores' tags (entries/entry_types.h: auth-key, admission-certificate,
// policy-certificate). Otherwise the Certifier Framework's: <domain>-private-auth-key, <domain>-admission-certificate
// and (the framework keeps the policy certificate in a file; a store may still hold it) <domain>-policy-certificate.
CredentialTags CredentialTagsFor(std::string_view framework_domain);

struct Credentials {
  ossl::PKey auth_key;          // private
  Bytes admission_certificate;  // DER, issued under policy_certificate
  Bytes policy_certificate;     // DER: the only trust anchor of the channel
  std::string subject;          // of the admission certificate, one line (for logs)
};

// Loads the three from `store`. policy_cert_der non-empty overrides the store's policy certificate (a file given on
// the command line). kFailedPrecondition naming the missing entry and the command that makes it (cf-osutility
// --init-trust, or a C_Login with certification) when the store has not been certified; kCorrupt when an entry does
// not parse; kFailedPrecondition when the admission certificate does not verify under the policy certificate now
// (expired, another domain): a server must not start with credentials every peer would refuse.
Result<Credentials> LoadCredentials(store::Store& store, const CredentialTags& tags, const Bytes& policy_cert_der);

}  // namespace cf::keysvc
