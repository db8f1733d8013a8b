// --init-trust's certification step: certify this domain's auth key against a Certifier Service (the framework's
// cf_utility --init_trust) and keep the auth key and the admission certificate in the domain's store. The work is
// entries/certification.h, shared with C_Login; this file adds the tool's flags and its advice on failure.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "entries/certification.h"
#include "entries/entry_types.h"
#include "tokendir/token_storage.h"
#include "tools/cf-osutility/options.h"

namespace cf::osutil {

using entries::HostPort;
using entries::kAdmissionCertTag;
using entries::kAuthKeyTag;
using entries::LoadPolicyCertificate;
using entries::ParseCertifierAddresses;

struct CertificationOutcome {
  int32_t certificate_version = 0;
  bool auth_key_reused = false;
  std::string subject;      // one line, OpenSSL's RFC 2253 form
  std::string answered_by;  // the address (of those given) whose service certified
  int attempts = 0;         // connections tried
};

// Reuses the store's latest auth key (or generates one: --public-key-algorithm, default rsa-2048, the only kind
// the framework's service issues admission certificates for), certifies it and stores the certificate as the
// next version of "admission-certificate" (X509-der-cert, exportable), the evidence, the policy certificate and a
// new auth key (not exportable), in one write. kUnreachable / kPolicyDenied / kCorrupt from the exchange are
// returned annotated with what to do. policy_cert_der: LoadPolicyCertificate's result (read before the store is
// opened, so a bad file changes nothing).
Result<CertificationOutcome> CertifyDomain(const Options& options, ByteView policy_cert_der,
                                           tokendir::TokenStorage& storage);

}  // namespace cf::osutil
