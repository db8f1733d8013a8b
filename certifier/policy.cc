// Loading and indexing the signed policy. Every statement is verified under the configured policy key (the key
// inside a claim is never trusted for this), so a policy file cannot smuggle in statements signed by another key.
#include "certifier/policy.h"

#include "attest/verify_signature.h"
#include "certifier/clause.h"
#include "common/time_text.h"
#include "proto/key_codec.h"

namespace cf::certifier {

Result<Policy> Policy::Load(const wire::key_message& policy_key, ByteView data, int64_t now) {
  wire::signed_claim_sequence seq;
  if (!seq.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return Status(Code::kCorrupt,
                  "policy file is not a signed_claim_sequence (" + std::to_string(data.size()) + " bytes)");
  }
  Policy p;
  p.policy_key_ = KeyEntity(policy_key).key();
  wire::entity_message me = KeyEntity(policy_key);
  p.axiom_ = Unary(me, kIsTrusted);
  int n = 0;
  for (const auto& claim : seq.claims()) {
    ++n;
    auto verified = attest::VerifySignedClaim(claim, &p.policy_key_, now);
    if (!verified.ok()) return verified.status().Annotate("policy statement " + std::to_string(n));
    wire::claim_message body;  // parsed and time-checked by VerifySignedClaim above; here for not_after
    if (body.ParseFromString(claim.serialized_claim_message())) {
      auto not_after = ParseTime(body.not_after());
      if (not_after.ok() && *not_after < p.expires_at_) p.expires_at_ = *not_after;
    }
    const wire::vse_clause& c = verified->clause;
    if (!IsSays(c) || !SameEntity(c.subject(), me)) {
      return Status(Code::kInvalidArgument, "policy statement " + std::to_string(n) +
                                                " is not 'policyKey says "
                                                "...': " +
                                                ClauseText(c));
    }
    const wire::vse_clause& inner = c.clause();
    if (inner.verb() == kHasServiceSettings &&
        inner.subject().platform_ent().platform_type() == kSettingsPlatformType) {
      for (const auto& prop : inner.subject().platform_ent().props().props()) {
        if (prop.property_name() == "admission-validity-days") {
          p.admission_validity_seconds_ = static_cast<int64_t>(prop.int_value()) * 24 * 3600;
        }
        if (prop.property_name() == "property-mapping") {
          p.mapping_ = prop.string_value() == "cf-go-compat" ? PropertyMapping::kCfGoCompat : PropertyMapping::kAmdAbi;
        }
      }
    }
    p.statements_.push_back(c);
  }
  return p;
}

const wire::vse_clause* Policy::FindTrustedPlatformKey(const wire::key_message& key) const {
  wire::entity_message want = KeyEntity(key);
  for (const auto& s : statements_) {
    const auto& in = s.clause();
    if (IsUnary(in) && in.verb() == kForAttestation && SameEntity(in.subject(), want)) return &s;
  }
  return nullptr;
}

const wire::vse_clause* Policy::FindTrustedMeasurement(ByteView measurement) const {
  wire::entity_message want = MeasurementEntity(measurement);
  for (const auto& s : statements_) {
    const auto& in = s.clause();
    if (IsUnary(in) && in.verb() == kIsTrusted && SameEntity(in.subject(), want)) return &s;
  }
  return nullptr;
}

std::vector<const wire::vse_clause*> Policy::PlatformTemplates(const std::string& platform_type) const {
  std::vector<const wire::vse_clause*> out;
  for (const auto& s : statements_) {
    const auto& in = s.clause();
    if (IsUnary(in) && in.verb() == kHasTrustedPlatformProperty && in.subject().entity_type() == "platform" &&
        in.subject().platform_ent().platform_type() == platform_type) {
      out.push_back(&s);
    }
  }
  return out;
}

std::string Policy::Describe() const {
  // Sentences rather than clauses: this is what an operator reads before deploying the policy.
  std::string out = "Every statement below is signed by the policy key " + EntityText(KeyEntity(policy_key_)) + ".\n";
  for (const auto& s : statements_) {
    const auto& in = s.clause();
    if (in.verb() == kHasServiceSettings) {
      out += "- Service settings: " + EntityText(in.subject()) + ".\n";
    } else if (in.verb() == kForAttestation) {
      out += "- The policy trusts the platform key " + EntityText(in.subject()) +
             " to vouch for attestations (is-trusted-for-attestation).\n";
    } else if (in.verb() == kIsTrusted && in.subject().entity_type() == "measurement") {
      out +=
          "- The policy admits programs whose measurement is " + HexEncode(AsBytes(in.subject().measurement())) + ".\n";
    } else if (in.verb() == kHasTrustedPlatformProperty) {
      out += "- The policy accepts a platform only if it is " + EntityText(in.subject()) +
             " (every property must hold).\n";
    } else {
      out += "- Statement: " + ClauseText(s) + ".\n";
    }
  }
  out += "Admission certificates are valid for " +
         (admission_validity_seconds() > 0 ? std::to_string(admission_validity_seconds() / 86400) + " days"
                                           : std::string("the service's default")) +
         ".\n";
  return out;
}

wire::vse_clause SettingsClause(int64_t admission_validity_days, PropertyMapping mapping) {
  wire::platform settings;
  settings.set_platform_type(kSettingsPlatformType);
  auto* props = settings.mutable_props()->mutable_props();
  *props->Add() = IntProperty("admission-validity-days", "=", static_cast<uint64_t>(admission_validity_days));
  *props->Add() =
      StringProperty("property-mapping", mapping == PropertyMapping::kCfGoCompat ? "cf-go-compat" : "amd-abi");
  return Unary(PlatformEntity(settings), kHasServiceSettings);
}

}  // namespace cf::certifier
