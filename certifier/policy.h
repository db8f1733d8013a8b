// The signed policy as the service holds it: every statement "policyKey says X" checked under the policy key at
// load, then looked up by what evidence needs (a platform key, a measurement, a platform template). Settings of
// our own (admission validity, property mapping) travel as one more signed statement the framework ignores.
#pragma once

#include <cstdint>
#include <vector>

#include "certifier/properties.h"
#include "common/bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

inline constexpr char kSettingsPlatformType[] = "cf-pkcs11-settings";
inline constexpr char kHasServiceSettings[] = "has-service-settings";
inline constexpr int64_t kDefaultAdmissionValiditySeconds = 365LL * 24 * 3600;

class Policy {
 public:
  // policy_key may be private; only its public half is kept here. Each claim must verify under it, be within
  // its validity at `now`, and be "policyKey says ...". kPolicyDenied/kCorrupt name the claim that failed.
  static Result<Policy> Load(const wire::key_message& policy_key, ByteView signed_claim_sequence, int64_t now);

  const wire::key_message& policy_key() const { return policy_key_; }
  const wire::vse_clause& axiom() const { return axiom_; }  // policyKey is-trusted
  const std::vector<wire::vse_clause>& statements() const { return statements_; }

  // "policyKey says <key> is-trusted-for-attestation" for this key, or null.
  const wire::vse_clause* FindTrustedPlatformKey(const wire::key_message& key) const;
  // "policyKey says Measurement[m] is-trusted", or null.
  const wire::vse_clause* FindTrustedMeasurement(ByteView measurement) const;
  // "policyKey says Platform[type ...] has-trusted-platform-property", in policy order.
  std::vector<const wire::vse_clause*> PlatformTemplates(const std::string& platform_type) const;

  // 0 when the policy does not say (the service's configuration decides then).
  int64_t admission_validity_seconds() const { return admission_validity_seconds_; }
  PropertyMapping mapping() const { return mapping_; }
  // The earliest not_after of its statements: a running service must stop admitting then, since the policy it
  // loaded has expired (the service checks each request against it).
  int64_t expires_at() const { return expires_at_; }

  // The policy in words, one statement per line.
  std::string Describe() const;

 private:
  wire::key_message policy_key_;
  wire::vse_clause axiom_;
  std::vector<wire::vse_clause> statements_;
  int64_t admission_validity_seconds_ = 0;
  PropertyMapping mapping_ = PropertyMapping::kAmdAbi;
  int64_t expires_at_ = INT64_MAX;
};

// The settings statement's inner clause (cf-policy writes it).
wire::vse_clause SettingsClause(int64_t admission_validity_days, PropertyMapping mapping);

}  // namespace cf::certifier
