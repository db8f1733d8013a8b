// The admission certificate: X.509 v3 signed by the policy key, issuer = the policy certificate's subject,
// subject CN "CertifierUsers", O "Measured-<hex measurement>", OU "Platform-<type>", random 128-bit serial, key
// usage digital signature + cert sign and EKU client+server auth as the framework issues it; subject key = the
// enclave's key.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/status.h"

namespace cf::certifier {

struct AdmissionRequest {
  EVP_PKEY* subject_key = nullptr;  // RSA or EC public key of the enclave
  ByteView measurement;
  std::string platform;  // named in OU "Platform-<platform>" when set ("amd-sev-snp", "simulated-enclave")
  int64_t not_before = 0;
  int64_t validity_seconds = 0;
};

// DER certificate. The digest follows the policy key (SHA-256 for RSA-2048 and P-256, SHA-384 above).
Result<Bytes> IssueAdmissionCertificate(EVP_PKEY* policy_key, X509* policy_cert, const AdmissionRequest& request);

// A self-signed CA certificate for the policy key, O "<domain>/policyAuthority" (cf-policy make-key).
Result<Bytes> MakePolicyCertificate(EVP_PKEY* policy_key, const std::string& domain, int64_t not_before,
                                    int64_t validity_seconds);

}  // namespace cf::certifier
