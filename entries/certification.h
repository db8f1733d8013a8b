// Certifying a store's authentication key with a Certifier Service and keeping the result as framework entries:
// shared by C_Login (pkcs11/model/admission.h) and cf-osutility --init-trust, so both write the same entries the same
// way. Knows nothing of PKCS#11 return codes or tool flags: callers say what a failure means for their user.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attest/certification_client.h"
#include "common/status.h"
#include "cryptstore/store.h"

namespace cf::entries {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// "HOST:PORT" (port 1..65535). kInvalidArgument names the text and the expected form; `what` names the setting.
Result<HostPort> ParseCertifierAddress(const std::string& text, const std::string& what = "--certifier-address");

// The certifier addresses setting: one "HOST:PORT", or several separated by commas (replicas of one Certifier
// Service, or balancers in front of them), e.g. "cs1.example:8123, cs2.example:8123". Spaces around each are
// ignored; an empty item, a repeated address or more than kMaxCertifierAddresses is refused.
inline constexpr size_t kMaxCertifierAddresses = 16;
Result<std::vector<attest::CertifierAddress>> ParseCertifierAddresses(const std::string& text,
                                                                      const std::string& what = "--certifier-address");

// Reads a policy certificate file (DER or PEM) and returns it as DER. `what` names the setting in the message
// ("--policy-cert-file", "policy_certificate"). A missing file keeps ReadFile's code; not X.509: kInvalidArgument.
Result<Bytes> LoadPolicyCertificate(const std::string& path, const std::string& what = "--policy-cert-file");

// The store's latest auth key (nullopt: none yet). kCorrupt when the entry is not a key_message.
Result<std::optional<wire::key_message>> LoadAuthKey(store::Store& store);
// The store's latest admission certificate, DER (nullopt: none yet).
Result<std::optional<Bytes>> LoadAdmissionCertificate(store::Store& store);

struct CertifyOptions {
  std::vector<attest::CertifierAddress> addresses;  // tried in a random order (attest::Certify)
  Bytes policy_cert_der;
  std::chrono::milliseconds deadline{5000};
  std::string new_key_algorithm = "rsa-2048";      // the only kind the framework's own service certifies
  store::Tier key_tier = store::Tier::kPlatform;   // a new auth key's tier
  store::Tier cert_tier = store::Tier::kPlatform;  // the admission certificate's, the policy's and the evidence's
};

struct CertifyOutcome {
  Bytes certificate_der;
  int32_t certificate_version = 0;
  bool auth_key_reused = false;
};

// Reuses the store's latest auth key (or makes one, not exportable), certifies it (attest::Certify, which checks
// the answer against the policy certificate and this enclave's measurement), then writes in one PutMany: the
// admission certificate (next version), the evidence sent, the policy certificate when it differs from the stored
// one, and a new auth key. Failing anywhere stores nothing. trace->failed_at tells the caller which step failed.
Result<CertifyOutcome> CertifyStore(store::Store& store, attest::Enclave& enclave, const CertifyOptions& options,
                                    attest::CertifyTrace* trace);

// Removes versions of the admission certificate and the evidence older than the newest `keep`, so a token that
// certifies at every login does not grow without bound. It waits until `slack` more versions have piled up and
// removes them in one write: a removal raises the rollback epoch (a sealed counter and its syncs, most of the cost of
// a certification on a slow disk), so a certification pays for one once in `slack` times. Best effort: failures
// are logged at debug level.
void PruneCertificationEntries(store::Store& store, int32_t keep, int32_t slack = 8);

// An admission certificate's validity as Unix seconds, from the DER. kCorrupt when it does not parse.
struct Validity {
  int64_t not_before = 0;
  int64_t not_after = 0;
};
Result<Validity> CertificateValidity(ByteView der);

}  // namespace cf::entries

namespace cf::entries {

// The tags the Certifier Framework's cf_utility gives its certification results in its cryptstore, and under which
// its key service (cf_key_server) looks its own certificate and key up: "<domain>-admission-certificate"
// (X509-der-cert) and "<domain>-private-auth-key" (key-message-serialized-protobuf). Ours, in our own stores, are
// kAdmissionCertTag and kAuthKeyTag (one store per domain, so no prefix).
struct FrameworkCertificationTags {
  std::string admission_certificate;
  std::string private_auth_key;
};
FrameworkCertificationTags FrameworkCertificationTagsFor(const std::string& domain);

}  // namespace cf::entries
