// The Certifier Service as a library: one trust_request_message in, one trust_response_message out. Holds the
// policy key, its certificate and the signed policy; verifies evidence, appraises it against the policy, checks
// freshness and issues the admission certificate. Stateless except for the per-process replay cache.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "certifier/policy.h"
#include "certifier/replay_cache.h"
#include "certifier/tdx_collateral.h"
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
  // Intel's TDX collateral and CRLs (LoadTdxCollateral); nullptr: none (TDX quotes get no TCB properties).
  std::shared_ptr<const TdxCollateralSet> tdx_collateral;
};

struct Outcome {
  Bytes response;  // serialized trust_response_message, always set
  bool admitted = false;
  std::string reason;  // the first failed clause, or what was admitted
};

// What a policy rollout replaces as one: the policy key, its certificate and the signed policy, checked together.
struct PolicySet {
  wire::key_message policy_key;  // private
  Policy policy;
  ossl::PKey key;
  ossl::X509Ptr cert;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> Create(const ServiceOptions& options, int64_t now);
  // Never fails: a request that cannot be served gets status "failed" and the reason. Thread-safe.
  Outcome Handle(ByteView request, int64_t now);
  // The request as a message; for tests and the benchmark.
  Result<Bytes> Admit(const wire::trust_request_message& request, int64_t now);

  // Policy rollout: checks options.policy_key, policy_cert_der and signed_policy as Create does and, only when all
  // hold, makes them the set later requests use. A request already running finishes under the set it started with
  // (each takes a snapshot). On failure the set in force stays and the status says what did not check. The other
  // options (freshness, validity, replay cache) are the running service's and stay.
  Status Reload(const ServiceOptions& options, int64_t now);

  // The policy in force now (a snapshot: a later Reload does not change what it points to).
  std::shared_ptr<const Policy> policy() const;

  // Collateral rollout (cf-certifier's SIGHUP, apart from the policy's so a refused one leaves the other): the set is
  // checked by LoadTdxCollateral before it gets here. A request already running keeps the set it started with.
  void SetTdxCollateral(std::shared_ptr<const TdxCollateralSet> collateral);
  std::shared_ptr<const TdxCollateralSet> tdx_collateral() const;

 private:
  Service(ServiceOptions options, std::shared_ptr<const PolicySet> set)
      : options_(std::move(options)),
        set_(std::move(set)),
        tdx_(options_.tdx_collateral),
        replay_(options_.freshness_seconds, options_.replay_cache_entries) {}
  static Result<std::shared_ptr<const PolicySet>> Check(const ServiceOptions& options, int64_t now);
  std::shared_ptr<const PolicySet> Snapshot() const;
  Status CheckFreshness(const PolicySet& set, const wire::trust_request_message& request,
                        const wire::attestation_user_data& ud, int64_t now);

  ServiceOptions options_;  // the policy fields are those of Create; set_ holds the ones in force
  mutable std::mutex set_mu_;
  std::shared_ptr<const PolicySet> set_;         // guarded by set_mu_; replaced whole, never changed in place
  std::shared_ptr<const TdxCollateralSet> tdx_;  // guarded by set_mu_; likewise
  ReplayCache replay_;  // survives a reload: a nonce seen under the old policy is still a replay under the new one
};

}  // namespace cf::certifier
