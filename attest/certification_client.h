// The client side of certification: build the evidence package for an Enclave, send it to the Certifier Service
// with the framework's framing, check the admission certificate against the policy certificate and our key.
// Used by the token's C_Login and by cf-osutility --init-trust.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "attest/enclave.h"
#include "common/bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest {

struct CertificationRequest {
  std::string host = "127.0.0.1";
  uint16_t port = 8123;
  std::chrono::milliseconds deadline{10000};
  size_t max_response_bytes = 1u << 20;
  wire::key_message auth_key;   // the key to certify; only its public half is sent
  Bytes policy_cert_der;        // the trusted policy certificate
  bool send_policy_key = true;  // bind the evidence to this policy (attestation_user_data.policy_key)
};

// Builds the trust_request_message (purpose "authentication") with a fresh 32-byte nonce and the time now.
Result<wire::trust_request_message> BuildTrustRequest(Enclave& enclave, const CertificationRequest& request);

// Checks a DER admission certificate: signed by the policy certificate's key, issued under its subject, within
// validity, subject key == our auth key. kCorrupt names what does not hold.
Status CheckAdmissionCertificate(ByteView der, const CertificationRequest& request);

// Whole exchange. kUnreachable: no connection / no answer in time; kPolicyDenied: "failed" with the service's
// reason; kCorrupt: an answer that does not parse or a certificate that does not check. Returns the DER.
Result<Bytes> Certify(Enclave& enclave, const CertificationRequest& request);

// One framed request/response round trip (also used by tests and the benchmark).
Result<wire::trust_response_message> Exchange(const wire::trust_request_message& message,
                                              const CertificationRequest& request);

}  // namespace cf::attest
