// The client side of certification: build the evidence package for an Enclave, send it to the Certifier Service
// with the framework's framing, check the admission certificate against the policy certificate and our key.
// Used by the token's C_Login and by cf-osutility --init-trust.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "attest/enclave.h"
#include "attest/framing.h"
#include "common/bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest {

// One Certifier Service (a replica, or a load balancer in front of several).
struct CertifierAddress {
  std::string host;
  uint16_t port = 0;
  std::string Text() const { return host + ":" + std::to_string(port); }
};

struct CertificationRequest {
  std::string host = "127.0.0.1";  // the one address used when `addresses` is empty
  uint16_t port = 8123;
  // Replicas of one Certifier Service (same policy key). Certify tries them in a random order, each connection
  // with a share of the time left, so a dead replica costs one connection attempt, not the certification.
  std::vector<CertifierAddress> addresses;
  // Attempts in all, over the addresses in turn; 0: one per address plus one (a replica that died while serving
  // us is retried elsewhere, also behind a single balancer address). Only unreachable-type failures are retried,
  // and an address is asked again only when some connection was made (all refused: nothing listens).
  int max_attempts = 0;
  std::chrono::milliseconds deadline{10000};  // for the whole certification, every attempt included
  size_t max_response_bytes = 1u << 20;
  wire::key_message auth_key;   // the key to certify; only its public half is sent
  Bytes policy_cert_der;        // the trusted policy certificate
  bool send_policy_key = true;  // bind the evidence to this policy (attestation_user_data.policy_key)
  // Checked in the certificate when not empty: O "Measured-<hex>" must name this measurement, and an OU
  // "Platform-<type>" (our service adds it; the framework's does not) must name this platform.
  Bytes expected_measurement;
  std::string expected_platform;
};

// Where an exchange failed, so a caller can give each failure its own answer (the token maps these to CKR_*).
enum class CertifyStage {
  kRequest,     // building the evidence (enclave, key): a local failure
  kConnection,  // no connection, or no whole answer before the deadline
  kAnswer,      // an answer that does not parse, an unknown status, a certificate that is not X.509
  kVerdict,     // the service refused (policy denial; its reason is in the message)
  kSignature,   // not issued under the policy certificate, not signed by the policy key, or expired
  kSubject,     // certifies another key, measurement or platform
};

struct CertifyTrace {
  wire::trust_request_message sent;  // the evidence that went out (kept by the token as an object)
  CertifyStage failed_at = CertifyStage::kRequest;
  int attempts = 0;         // connections tried (1 when the first address answered)
  std::string answered_by;  // host:port of the service whose answer decided, empty when none answered
};

// Builds the trust_request_message (purpose "authentication") with a fresh 32-byte nonce and the time now.
Result<wire::trust_request_message> BuildTrustRequest(Enclave& enclave, const CertificationRequest& request);

// Checks a DER admission certificate: signed by the policy certificate's key, issued under its subject, within
// validity, subject key == our auth key, and the expected measurement/platform when given. kCorrupt names what
// does not hold; failed_at (when not null) says which kind of check failed.
Status CheckAdmissionCertificate(ByteView der, const CertificationRequest& request, CertifyStage* failed_at = nullptr);

// Whole exchange. kUnreachable: no address gave an answer in time (the message names every address tried and
// why each failed); kPolicyDenied: "failed" with the service's reason; kCorrupt: an answer that does not parse or a
// certificate that does not check. Returns the DER. trace (when not null) receives the request sent, the attempts,
// the address that answered and, on failure, the stage that failed. Logs the address that answered (a warning when
// it took more than one attempt).
Result<Bytes> Certify(Enclave& enclave, const CertificationRequest& request, CertifyTrace* trace = nullptr);

// The service's answer judged for `request` (Certify's last step, apart so it can be fuzzed): "failed" is
// kPolicyDenied with the service's reason; another status than "succeeded", or a certificate CheckAdmissionCertificate
// refuses, is kCorrupt. answered_by names the service in messages; *failed_at receives the stage that failed.
// Returns the certificate's DER.
Result<Bytes> JudgeAnswer(const wire::trust_response_message& response, const CertificationRequest& request,
                          const std::string& answered_by, CertifyStage* failed_at);

// One framed request/response round trip with request.host:port (also used by tests and the benchmark).
Result<wire::trust_response_message> Exchange(const wire::trust_request_message& message,
                                              const CertificationRequest& request);

// One round trip with `address`: the connection must be made by connect_by, the answer must be whole by
// deadline. *sent (when not null) tells whether any of the request went out (then a retry needs a fresh nonce).
Result<wire::trust_response_message> ExchangeWith(const wire::trust_request_message& message,
                                                  const CertifierAddress& address, size_t max_response_bytes,
                                                  Clock::time_point connect_by, Clock::time_point deadline,
                                                  bool* sent = nullptr);

}  // namespace cf::attest
