// Test helper: evidence in the exact shape the framework's simulated enclave sends (platform endorsement +
// signed_report), made from keys generated here, so the service can be tested without any enclave backend.
#pragma once

#include <string>

#include "attest/verify_signature.h"
#include "certifier/clause.h"
#include "common/time_text.h"
#include "proto/certifier.pb.h"
#include "proto/key_codec.h"

namespace cf::certifier::testing {

struct SimPlatform {
  wire::key_message platform_key;  // private
  wire::key_message attest_key;    // private
  wire::signed_claim_message endorsement;
  Bytes measurement;
};

// The framework's simulated enclave uses RSA-2048 keys (the e2e test covers that shape); unit tests may pick
// P-256 to stay fast.
inline SimPlatform MakeSimPlatform(const Bytes& measurement, const std::string& algorithm = "rsa-2048") {
  SimPlatform p;
  p.platform_key = *keys::GenerateKeyMessage(algorithm, "platformKey");
  p.attest_key = *keys::GenerateKeyMessage(algorithm, "attestKey");
  auto clause = Says(KeyEntity(p.platform_key), Unary(KeyEntity(p.attest_key), kForAttestation));
  p.endorsement =
      *attest::MakeSignedClaim(clause, p.platform_key, "platform-endorsement", NowSeconds() - 60, 3600 * 24);
  p.measurement = measurement;
  return p;
}

inline wire::trust_request_message MakeRequest(const SimPlatform& p, const wire::key_message& enclave_key, int64_t time,
                                               const std::string& nonce,
                                               const wire::key_message* policy_key = nullptr) {
  wire::attestation_user_data ud;
  ud.set_enclave_type("simulated-enclave");
  ud.set_time(FormatTime(time));
  *ud.mutable_enclave_key() = KeyEntity(enclave_key).key();
  if (policy_key != nullptr) *ud.mutable_policy_key() = KeyEntity(*policy_key).key();
  if (!nonce.empty()) ud.set_nonce(nonce);
  wire::vse_attestation_report_info info;
  info.set_enclave_type("simulated-enclave");
  info.set_verified_measurement(AsString(p.measurement));
  info.set_not_before(FormatTime(time - 60));
  info.set_not_after(FormatTime(time + 3600));
  info.set_user_data(ud.SerializeAsString());
  wire::signed_report report;
  report.set_report_format("vse-attestation-report");
  report.set_report(info.SerializeAsString());
  *report.mutable_signing_key() = KeyEntity(p.attest_key).key();
  auto pkey = keys::PKeyFromKeyMessage(p.attest_key);
  std::string algorithm = *attest::SigningAlgorithmFor(pkey->get());
  report.set_signing_algorithm(algorithm);
  report.set_signature(AsString(*attest::Sign(pkey->get(), algorithm, AsBytes(report.report()))));

  wire::trust_request_message m;
  m.set_requesting_enclave_tag("requesting-enclave");
  m.set_providing_enclave_tag("providing-enclave");
  m.set_submitted_evidence_type("vse-attestation-package");
  m.set_purpose("authentication");
  auto* pkg = m.mutable_support();
  pkg->set_prover_type("vse-verifier");
  pkg->set_enclave_type("simulated-enclave");
  auto* e1 = pkg->add_fact_assertion();
  e1->set_evidence_type("signed-claim");
  e1->set_serialized_evidence(p.endorsement.SerializeAsString());
  auto* e2 = pkg->add_fact_assertion();
  e2->set_evidence_type("signed-vse-attestation-report");
  e2->set_serialized_evidence(report.SerializeAsString());
  return m;
}

}  // namespace cf::certifier::testing
