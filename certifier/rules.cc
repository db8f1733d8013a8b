// One function per rule; each checks the shapes of its premises and that the conclusion is exactly what the rule
// yields. Rule numbers are the framework's (carried in proof_step.rule_applied).
#include "certifier/rules.h"

#include "certifier/clause.h"
#include "certifier/properties.h"

namespace cf::certifier {
namespace {

Status Deny(int rule, const std::string& why) {
  return Status(Code::kPolicyDenied, "rule " + std::to_string(rule) + ": " + why);
}

bool IsMeasurementOrEnv(const wire::entity_message& e) {
  return e.entity_type() == "measurement" || e.entity_type() == "environment";
}

bool IsKeyUnary(const wire::vse_clause& c) { return IsUnary(c) && c.subject().entity_type() == "key"; }

// R1 / R7 / R11: X is-trusted(-ish); K speaks-for X => K <verb>.
Status SpeaksForTrusted(int rule, const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& c,
                        const char* verb) {
  if (!IsUnary(s1) || !IsMeasurementOrEnv(s1.subject())) return Deny(rule, "s1 is not a trusted measurement");
  if (rule == 11 ? !Dominates(kIsTrusted, s1.verb()) : s1.verb() != kIsTrusted) {
    return Deny(rule, "s1 verb '" + s1.verb() + "' is not is-trusted");
  }
  if (s2.verb() != kSpeaksFor || !s2.has_object() || !SameEntity(s2.object(), s1.subject())) {
    return Deny(rule, "s2 is not 'K speaks-for' the trusted measurement");
  }
  if (!SameClause(c, Unary(s2.subject(), verb))) return Deny(rule, std::string("conclusion is not K ") + verb);
  return Status::Ok();
}

Status Rule3(const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& c) {
  if (!IsKeyUnary(s1) || s1.verb() != kIsTrusted) return Deny(3, "s1 is not 'K is-trusted'");
  if (!IsSays(s2) || !SameEntity(s2.subject(), s1.subject())) return Deny(3, "s2 is not 'K says ...' by s1's K");
  if (!SameClause(c, s2.clause())) return Deny(3, "conclusion is not what K said");
  return Status::Ok();
}

Status Rule5(const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& c) {
  if (!IsKeyUnary(s1)) return Deny(5, "s1 is not 'K1 is-trusted-...'");
  if (!IsSays(s2) || !SameEntity(s2.subject(), s1.subject())) return Deny(5, "s2 is not said by s1's key");
  const wire::vse_clause& inner = s2.clause();
  if (!IsKeyUnary(inner)) return Deny(5, "K1 did not say 'K2 is-trusted-...'");
  if (!Dominates(s1.verb(), inner.verb())) {
    return Deny(5, "'" + s1.verb() + "' does not dominate '" + inner.verb() + "'");
  }
  if (!SameClause(c, inner)) return Deny(5, "conclusion is not K2 " + inner.verb());
  return Status::Ok();
}

Status Rule6(const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& c) {
  if (!IsKeyUnary(s1) || !Dominates(s1.verb(), kForAttestation)) {
    return Deny(6, "s1 is not a key trusted for attestation");
  }
  if (!IsSays(s2) || !SameEntity(s2.subject(), s1.subject())) return Deny(6, "s2 is not said by s1's key");
  const wire::vse_clause& inner = s2.clause();
  bool speaks = inner.verb() == kSpeaksFor && inner.subject().entity_type() == "key" && inner.has_object() &&
                IsMeasurementOrEnv(inner.object());
  bool env = IsUnary(inner) && inner.verb() == kIsEnvironment && inner.subject().entity_type() == "environment";
  if (!speaks && !env) return Deny(6, "what was said is neither 'K speaks-for M' nor 'E is-environment'");
  if (!SameClause(c, inner)) return Deny(6, "conclusion is not what was said");
  return Status::Ok();
}

Status Rule8(const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& c) {
  if (!IsUnary(s1) || s1.verb() != kIsEnvironment || s1.subject().entity_type() != "environment") {
    return Deny(8, "s1 is not 'E is-environment'");
  }
  if (!IsUnary(s2) || s2.verb() != kHasTrustedPlatformProperty || s2.subject().entity_type() != "platform") {
    return Deny(8, "s2 is not 'platform has-trusted-platform-property'");
  }
  Status fits = SatisfiesTemplate(s2.subject().platform_ent(), s1.subject().environment_ent().the_platform());
  if (!fits.ok()) return Deny(8, fits.message());
  if (!SameClause(c, Unary(s1.subject(), kEnvPlatformTrusted))) {
    return Deny(8, "conclusion is not 'E environment-platform-is-trusted'");
  }
  return Status::Ok();
}

Status Rule9(const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& c) {
  if (!IsUnary(s1) || s1.verb() != kIsEnvironment || s1.subject().entity_type() != "environment") {
    return Deny(9, "s1 is not 'E is-environment'");
  }
  if (!IsUnary(s2) || s2.verb() != kIsTrusted || s2.subject().entity_type() != "measurement") {
    return Deny(9, "s2 is not 'M is-trusted'");
  }
  if (s2.subject().measurement() != s1.subject().environment_ent().the_measurement()) {
    return Deny(9, "the environment's measurement is not the trusted one");
  }
  if (!SameClause(c, Unary(s1.subject(), kEnvMeasurementTrusted))) {
    return Deny(9, "conclusion is not 'E environment-measurement-is-trusted'");
  }
  return Status::Ok();
}

Status Rule10(const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& c) {
  if (!IsUnary(s1) || s1.verb() != kEnvMeasurementTrusted) return Deny(10, "s1 is not E measurement-is-trusted");
  if (!IsUnary(s2) || s2.verb() != kEnvPlatformTrusted) return Deny(10, "s2 is not E platform-is-trusted");
  if (!SameEntity(s1.subject(), s2.subject())) return Deny(10, "s1 and s2 name different environments");
  if (!SameClause(c, Unary(s1.subject(), kIsTrusted))) return Deny(10, "conclusion is not 'E is-trusted'");
  return Status::Ok();
}

}  // namespace

bool Dominates(const std::string& a, const std::string& b) {
  if (a == b) return true;
  return a == kIsTrusted && (b == kForAttestation || b == kForAuthentication || b == kForKeyProvision);
}

Status CheckStep(const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& c, int rule) {
  switch (rule) {
    case 1:
      return SpeaksForTrusted(1, s1, s2, c, kForAuthentication);
    case 3:
      return Rule3(s1, s2, c);
    case 5:
      return Rule5(s1, s2, c);
    case 6:
      return Rule6(s1, s2, c);
    case 7:
      return SpeaksForTrusted(7, s1, s2, c, kForAttestation);
    case 8:
      return Rule8(s1, s2, c);
    case 9:
      return Rule9(s1, s2, c);
    case 10:
      return Rule10(s1, s2, c);
    case 11:
      return SpeaksForTrusted(11, s1, s2, c, kForKeyProvision);
    case 2:
    case 4:
      return Status(Code::kUnimplemented,
                    "rule " + std::to_string(rule) + " (speaks-for chains) is not implemented, as in the framework");
    default:
      return Status(Code::kInvalidArgument, "no proof rule " + std::to_string(rule));
  }
}

Status CheckProof(const wire::proof& proof) {
  std::vector<const wire::vse_clause*> proved;
  for (const auto& c : proof.already_proved()) proved.push_back(&c);
  auto known = [&](const wire::vse_clause& c) {
    for (const auto* p : proved) {
      if (SameClause(*p, c)) return true;
    }
    return false;
  };
  int n = 0;
  for (const auto& step : proof.steps()) {
    ++n;
    if (!known(step.s1()) || !known(step.s2())) {
      return Status(Code::kPolicyDenied, "proof step " + std::to_string(n) + " uses an unproved premise: " +
                                             (known(step.s1()) ? ClauseText(step.s2()) : ClauseText(step.s1())));
    }
    Status s = CheckStep(step.s1(), step.s2(), step.conclusion(), step.rule_applied());
    if (!s.ok()) return s.Annotate("proof step " + std::to_string(n));
    proved.push_back(&step.conclusion());
  }
  if (proof.steps_size() == 0 || !SameClause(proof.steps(proof.steps_size() - 1).conclusion(), proof.to_prove())) {
    return Status(Code::kPolicyDenied, "proof does not conclude " + ClauseText(proof.to_prove()));
  }
  return Status::Ok();
}

}  // namespace cf::certifier
