// --init-trust's certification step: certify this domain's auth key against a Certifier Service (the framework's
// cf_utility --init_trust) and keep the auth key and the admission certificate in the domain's store.
// Everything that can fail (policy cert, connection, the service's verdict) happens before anything is stored.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "pkcs11/model/token_storage.h"
#include "tools/cf-osutility/options.h"

namespace cf::osutil {

// Store tags (the domain's own store, so no domain prefix is needed as in the framework's shared cryptstore).
inline constexpr char kAuthKeyTag[] = "auth-key";
inline constexpr char kAdmissionCertTag[] = "admission-certificate";

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// "HOST:PORT" (port 1..65535). kInvalidArgument names the text and the expected form.
Result<HostPort> ParseCertifierAddress(const std::string& text);

// Reads --policy-cert-file (DER or PEM) and returns the certificate as DER.
Result<Bytes> LoadPolicyCertificate(const std::string& path);

struct CertificationOutcome {
  int32_t certificate_version = 0;
  bool auth_key_reused = false;
  std::string subject;  // one line, OpenSSL's RFC 2253 form
};

// Reuses the store's latest auth key (or generates one: --public-key-algorithm, default rsa-2048, the only kind
// the framework's service issues admission certificates for), certifies it and stores the certificate as the
// next version of "admission-certificate" (X509-der-cert, exportable) plus a new auth key (not exportable), in one
// write. kUnreachable / kPolicyDenied / kCorrupt from the exchange are returned annotated with what to do.
// policy_cert_der: LoadPolicyCertificate's result (read before the store is opened, so a bad file changes nothing).
Result<CertificationOutcome> CertifyDomain(const Options& options, ByteView policy_cert_der,
                                           p11::TokenStorage& storage);

}  // namespace cf::osutil
