// Request handling in the order verify -> freshness -> appraise -> issue. Each failure becomes "failed" with the
// reason in the response's extension field; no exception or crash escapes whatever the bytes were.
#include "certifier/service.h"

#include <openssl/err.h>

#include "attest/verify_sev.h"
#include "attest/verify_signature.h"
#include "certifier/admission_cert.h"
#include "certifier/clause.h"
#include "certifier/evidence.h"
#include "certifier/prover.h"
#include "certifier/tdx_properties.h"
#include "common/time_text.h"
#include "proto/key_codec.h"

namespace cf::certifier {

Result<std::shared_ptr<const PolicySet>> Service::Check(const ServiceOptions& options, int64_t now) {
  if (!keys::IsPrivateKeyType(options.policy_key.key_type())) {
    return Status(Code::kInvalidArgument, "policy key '" + options.policy_key.key_name() + "' (" +
                                              options.policy_key.key_type() + ") is not a private key");
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey key, keys::PKeyFromKeyMessage(options.policy_key));
  CF_ASSIGN_OR_RETURN(ossl::X509Ptr cert, attest::ParseCertificate(options.policy_cert_der));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Status(Code::kInvalidArgument, "policy certificate does not hold the policy key's public key");
  }
  CF_ASSIGN_OR_RETURN(Policy policy, Policy::Load(options.policy_key, options.signed_policy, now));
  return std::make_shared<const PolicySet>(
      PolicySet{options.policy_key, std::move(policy), std::move(key), std::move(cert)});
}

Result<std::unique_ptr<Service>> Service::Create(const ServiceOptions& options, int64_t now) {
  CF_ASSIGN_OR_RETURN(std::shared_ptr<const PolicySet> set, Check(options, now));
  return std::unique_ptr<Service>(new Service(options, std::move(set)));
}

Status Service::Reload(const ServiceOptions& options, int64_t now) {
  CF_ASSIGN_OR_RETURN(std::shared_ptr<const PolicySet> set, Check(options, now));
  std::lock_guard<std::mutex> lock(set_mu_);
  set_ = std::move(set);  // the old set lives on in the snapshots of requests still running
  return Status::Ok();
}

std::shared_ptr<const PolicySet> Service::Snapshot() const {
  std::lock_guard<std::mutex> lock(set_mu_);
  return set_;
}

void Service::SetTdxCollateral(std::shared_ptr<const TdxCollateralSet> collateral) {
  std::lock_guard<std::mutex> lock(set_mu_);
  tdx_ = std::move(collateral);
}

std::shared_ptr<const TdxCollateralSet> Service::tdx_collateral() const {
  std::lock_guard<std::mutex> lock(set_mu_);
  return tdx_;
}

std::shared_ptr<const Policy> Service::policy() const {
  std::shared_ptr<const PolicySet> set = Snapshot();
  return std::shared_ptr<const Policy>(set, &set->policy);
}

Status Service::CheckFreshness(const PolicySet& set, const wire::trust_request_message& request,
                               const wire::attestation_user_data& ud, int64_t now) {
  auto said_at = ParseTime(ud.time());
  if (!said_at.ok()) return Status(Code::kPolicyDenied, "attested time '" + ud.time() + "' does not parse");
  int64_t skew = *said_at - now;
  if (skew > options_.freshness_seconds || -skew > options_.freshness_seconds) {
    return Status(Code::kPolicyDenied, "evidence made at " + ud.time() + " is outside the freshness window of " +
                                           std::to_string(options_.freshness_seconds) + " s around " + FormatTime(now) +
                                           " (stale or replayed)");
  }
  if (ud.has_policy_key() && !SameKey(ud.policy_key(), set.policy.policy_key())) {
    return Status(Code::kPolicyDenied,
                  "evidence was made for another policy key (" + KeyFingerprint(ud.policy_key()) + ")");
  }
  if (request.has_nonce() && (!ud.has_nonce() || ud.nonce() != request.nonce())) {
    return Status(Code::kPolicyDenied, "request nonce is not the attested nonce");
  }
  if (!ud.has_nonce()) {
    if (options_.require_nonce) return Status(Code::kPolicyDenied, "evidence carries no nonce");
    return Status::Ok();
  }
  if (ud.nonce().size() < 16) return Status(Code::kPolicyDenied, "nonce shorter than 16 bytes");
  if (!replay_.Admit(ud.nonce(), now)) {
    return Status(Code::kPolicyDenied, "nonce " + HexEncode(AsBytes(ud.nonce())) + " was already used (replay)");
  }
  return Status::Ok();
}

Result<Bytes> Service::Admit(const wire::trust_request_message& request, int64_t now) {
  // One snapshot for the whole request: a reload meanwhile does not mix two policies in one decision.
  const std::shared_ptr<const PolicySet> set = Snapshot();
  const Policy& policy = set->policy;
  if (now > policy.expires_at()) {
    return Status(Code::kPolicyDenied,
                  "the policy expired at " + FormatTime(policy.expires_at()) +
                      " (its earliest statement); compile a new policy and reload the service (SIGHUP)");
  }
  const bool platform_rule = request.purpose() == "attestation";
  if (!platform_rule && request.purpose() != "authentication") {
    return Status(Code::kUnimplemented,
                  "purpose '" + request.purpose() + "' is not served (only 'authentication' and 'attestation')");
  }
  const std::shared_ptr<const TdxCollateralSet> tdx = tdx_collateral();
  CF_ASSIGN_OR_RETURN(EvidenceFacts facts, VerifyEvidence(request, policy.mapping(), now, tdx.get()));
  CF_RETURN_IF_ERROR(CheckFreshness(*set, request, facts.user_data, now));
  // Back-dated 60 s to tolerate small clock differences with the client; the offset plays a service whose clock is
  // off (tests).
  const int64_t not_before = now - 60 + options_.admission_clock_offset_seconds;
  const int64_t validity = policy.admission_validity_seconds() > 0 ? policy.admission_validity_seconds()
                                                                   : options_.admission_validity_seconds;
  if (platform_rule) {
    // The framework's answer to "attestation": "policyKey says enclaveKey is-trusted-for-attestation", signed by
    // the policy key, descriptor "platform-rule" (CF-REFERENCE 2.2 step 5).
    CF_ASSIGN_OR_RETURN(Admission admission, ProveAttestation(policy, facts));
    wire::vse_clause rule =
        Says(KeyEntity(policy.policy_key()), Unary(KeyEntity(admission.enclave_key), kForAttestation));
    CF_ASSIGN_OR_RETURN(wire::signed_claim_message claim,
                        attest::MakeSignedClaim(rule, set->policy_key, "platform-rule", not_before, validity));
    return ToBytes(claim.SerializeAsString());
  }
  CF_ASSIGN_OR_RETURN(Admission admission, ProveAuthentication(policy, facts));
  CF_ASSIGN_OR_RETURN(ossl::PKey subject, keys::PKeyFromKeyMessage(admission.enclave_key));
  AdmissionRequest req;
  req.subject_key = subject.get();
  req.measurement = admission.measurement;
  req.platform = facts.package_type == kSevPackage   ? "amd-sev-snp"
                 : facts.package_type == kTpmPackage ? "tpm-enclave"
                 : facts.package_type == kTdxPackage ? kTdxPlatformType
                                                     : "simulated-enclave";
  req.not_before = not_before;
  req.validity_seconds = validity;
  return IssueAdmissionCertificate(set->key.get(), set->cert.get(), req);
}

Outcome Service::Handle(ByteView bytes, int64_t now) {
  Outcome out;
  wire::trust_request_message request;
  wire::trust_response_message response;
  Result<Bytes> cert = Status(Code::kInvalidArgument, "request is not a trust_request_message");
  try {
    if (request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) cert = Admit(request, now);
  } catch (const std::exception& e) {  // bad_alloc from a hostile length; nothing else throws here
    cert = Status(Code::kInternal, std::string("request handling failed: ") + e.what());
  }
  response.set_requesting_enclave_tag(request.requesting_enclave_tag());
  response.set_providing_enclave_tag(request.providing_enclave_tag());
  if (cert.ok()) {
    response.set_status("succeeded");
    response.set_artifact(AsString(*cert));
    out.admitted = true;
    out.reason = "admitted " + request.submitted_evidence_type() + " for " + request.purpose();
  } else {
    response.set_status("failed");
    response.set_reason(cert.status().ToString());
    out.reason = cert.status().ToString();
  }
  out.response = ToBytes(response.SerializeAsString());
  return out;
}

}  // namespace cf::certifier
