// The Certifier Service as a library: one trust_request_message in, one trust_response_message out. Holds the
// policy key, its certificate and the signed policy; verifies evidence, appraises it against the policy, checks
// freshness and issues the admission certificate. Stateless except for the per-process replay cache.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "certifier/policy.h"
#include "certifier/replay_cache.h"
#include "common/bytes.h"
#include "common/ossl.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

struct ServiceOptions {
  wire::key_message policy_key;  // private
  Bytes policy_cert_der;
  Bytes signed_policy;  // serialized signed_claim_sequence
  int64_t freshness_seconds = 300;
  int64_t admission_validity_seconds = kDefaultAdmissionValiditySeconds;  // unless the policy says
  // Moves the validity window of issued certificates by this many seconds, as a service whose clock is off would
  // (tests of clients facing one; never needed in production). 0: not_before is now - 60 s.
  int64_t admission_clock_offset_seconds = 0;
  size_t replay_cache_entries = 1u << 20;
  bool require_nonce = false;
};

struct Outcome {
  Bytes response;  // serialized trust_response_message, always set
  bool admitted = false;
  std::string reason;  // the first failed clause, or what was admitted
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> Create(const ServiceOptions& options, int64_t now);
  // Never fails: a request that cannot be served gets status "failed" and the reason. Thread-safe.
  Outcome Handle(ByteView request, int64_t now);
  // The request as a message; for tests and the benchmark.
  Result<Bytes> Admit(const wire::trust_request_message& request, int64_t now);

  const Policy& policy() const { return policy_; }

 private:
  Service(ServiceOptions options, Policy policy, ossl::PKey key, ossl::X509Ptr cert)
      : options_(std::move(options)),
        policy_(std::move(policy)),
        key_(std::move(key)),
        cert_(std::move(cert)),
        replay_(options_.freshness_seconds, options_.replay_cache_entries) {}
  Status CheckFreshness(const wire::trust_request_message& request, const wire::attestation_user_data& ud, int64_t now);

  ServiceOptions options_;
  Policy policy_;
  ossl::PKey key_;
  ossl::X509Ptr cert_;
  ReplayCache replay_;
};

}  // namespace cf::certifier
