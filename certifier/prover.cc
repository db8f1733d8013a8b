// Proof construction for the three evidence shapes we verify. Steps follow the framework's templates (CF-REFERENCE
// 3.5) so the rule numbers mean the same; the checker refuses any step whose premises are not yet proved.
#include "certifier/prover.h"

#include "certifier/clause.h"
#include "certifier/rules.h"
#include "certifier/tdx_properties.h"

namespace cf::certifier {
namespace {

void Step(wire::proof* proof, const wire::vse_clause& s1, const wire::vse_clause& s2,
          const wire::vse_clause& conclusion, int rule) {
  auto* step = proof->add_steps();
  *step->mutable_s1() = s1;
  *step->mutable_s2() = s2;
  *step->mutable_conclusion() = conclusion;
  step->set_rule_applied(rule);
}

Status Deny(const std::string& why) { return Status(Code::kPolicyDenied, why); }

// A debug TD's memory and registers are open to the host: admitted only when the template says `debug = yes`.
Status DebugAllowed(const wire::platform& templ, const wire::platform& actual) {
  bool debug = false, allowed = false;
  for (const auto& p : actual.props().props()) {
    if (p.property_name() == "debug") debug = p.string_value() == "yes";
  }
  for (const auto& p : templ.props().props()) {
    if (p.property_name() == "debug") allowed = p.string_value() == "yes";
  }
  if (debug && !allowed) {
    return Deny("the TD is a debug TD (TDATTRIBUTES.DEBUG): refused unless the policy says property debug = yes");
  }
  return Status::Ok();
}

// Both purposes share every step up to the last: rule 1 concludes is-trusted-for-authentication, rule 7
// is-trusted-for-attestation, from the same premises (a trusted measurement/environment the key speaks for).
Result<Admission> Prove(const Policy& policy, const EvidenceFacts& f, const char* verb, int final_rule) {
  // SEV-SNP and TDX evidence have the same shape: root -> CA -> platform key, which says the environment.
  const bool tdx = f.package_type == kTdxPackage;
  const bool sev = f.package_type == kSevPackage || tdx;
  const bool tpm = f.package_type == kTpmPackage;
  const char* platform_type = tdx ? kTdxPlatformType : kSevPlatformType;
  const wire::vse_clause* trusted_root = policy.FindTrustedPlatformKey(f.root_key);
  if (trusted_root == nullptr) {
    return Deny(std::string(tdx   ? "Intel SGX root key (the PCK chain's root) "
                            : sev ? "AMD root key (ARK) "
                            : tpm ? "TPM attestation key "
                                  : "platform key ") +
                KeyFingerprint(f.root_key) + " is not trusted for attestation by the policy");
  }
  const wire::vse_clause* trusted_m = policy.FindTrustedMeasurement(f.measurement);
  if (trusted_m == nullptr) {
    return Deny("measurement " + HexEncode(f.measurement) + " is not trusted by the policy");
  }
  const wire::vse_clause* templ = nullptr;
  if (sev) {
    auto templates = policy.PlatformTemplates(platform_type);
    if (templates.empty()) return Deny(std::string("policy names no trusted ") + platform_type + " platform");
    Status first_failure;
    for (const auto* t : templates) {
      Status s = SatisfiesTemplate(t->clause().subject().platform_ent(), f.environment.the_platform(), &f.absent);
      if (s.ok() && tdx) s = DebugAllowed(t->clause().subject().platform_ent(), f.environment.the_platform());
      if (s.ok()) {
        templ = t;
        break;
      }
      if (first_failure.ok()) first_failure = s;
    }
    if (templ == nullptr) return first_failure;
  }

  Admission out;
  wire::proof& proof = out.proof;
  const wire::vse_clause& axiom = policy.axiom();
  *proof.add_already_proved() = axiom;
  *proof.add_already_proved() = *trusted_root;
  *proof.add_already_proved() = *trusted_m;
  if (templ != nullptr) *proof.add_already_proved() = *templ;
  for (const auto& s : f.said) *proof.add_already_proved() = s;

  wire::entity_message enclave = KeyEntity(f.enclave_key);
  wire::vse_clause m_trusted = trusted_m->clause();
  wire::vse_clause root_trusted = trusted_root->clause();
  Step(&proof, axiom, *trusted_m, m_trusted, 3);
  Step(&proof, axiom, *trusted_root, root_trusted, 5);
  wire::vse_clause to_prove = Unary(enclave, verb);
  if (tpm) {
    // said[0]: AK says enclaveKey speaks-for M; the AK itself is the policy's trusted platform key.
    wire::vse_clause speaks = f.said[0].clause();
    Step(&proof, root_trusted, f.said[0], speaks, 6);
    Step(&proof, m_trusted, speaks, to_prove, final_rule);
  } else if (!sev) {
    // said[0]: platformKey says attestKey is-t-f-a; said[1]: attestKey says enclaveKey speaks-for M.
    wire::vse_clause attest_trusted = f.said[0].clause();
    Step(&proof, root_trusted, f.said[0], attest_trusted, 5);
    wire::vse_clause speaks = f.said[1].clause();
    Step(&proof, attest_trusted, f.said[1], speaks, 6);
    Step(&proof, m_trusted, speaks, to_prove, final_rule);
  } else {
    // said: ARK says ASK; ASK says VCEK; VCEK says env is-environment; VCEK says enclaveKey speaks-for env.
    wire::vse_clause ask_trusted = f.said[0].clause();
    Step(&proof, root_trusted, f.said[0], ask_trusted, 5);
    wire::vse_clause vcek_trusted = f.said[1].clause();
    Step(&proof, ask_trusted, f.said[1], vcek_trusted, 5);
    wire::vse_clause is_env = f.said[2].clause();
    Step(&proof, vcek_trusted, f.said[2], is_env, 6);
    wire::vse_clause templ_trusted = templ->clause();
    Step(&proof, axiom, *templ, templ_trusted, 3);
    wire::entity_message env = is_env.subject();
    wire::vse_clause env_platform = Unary(env, kEnvPlatformTrusted);
    Step(&proof, is_env, templ_trusted, env_platform, 8);
    wire::vse_clause env_measurement = Unary(env, kEnvMeasurementTrusted);
    Step(&proof, is_env, m_trusted, env_measurement, 9);
    wire::vse_clause env_trusted = Unary(env, kIsTrusted);
    Step(&proof, env_measurement, env_platform, env_trusted, 10);
    wire::vse_clause speaks = f.said[3].clause();
    Step(&proof, vcek_trusted, f.said[3], speaks, 6);
    Step(&proof, env_trusted, speaks, to_prove, final_rule);
  }
  *proof.mutable_to_prove() = to_prove;
  CF_RETURN_IF_ERROR(CheckProof(proof));
  out.enclave_key = f.enclave_key;
  out.measurement = f.measurement;
  return out;
}

}  // namespace

Result<Admission> ProveAuthentication(const Policy& policy, const EvidenceFacts& f) {
  return Prove(policy, f, kForAuthentication, 1);
}

Result<Admission> ProveAttestation(const Policy& policy, const EvidenceFacts& f) {
  return Prove(policy, f, kForAttestation, 7);
}

}  // namespace cf::certifier
