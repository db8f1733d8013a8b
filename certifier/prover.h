// Appraisal: the verified evidence against the policy. Finds the policy statements the proof needs (the first one
// missing is the reason for a denial), builds the framework's proof of "enclaveKey is-trusted-for-authentication"
// step by step and checks it with rules.cc.
#pragma once

#include "certifier/evidence.h"
#include "certifier/policy.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

struct Admission {
  wire::proof proof;
  wire::key_message enclave_key;
  Bytes measurement;
};

// kPolicyDenied with a reason naming the first clause that failed ("measurement 3f..a1 is not trusted by the
// policy", "platform property debug is 'yes', policy requires = 'no'").
Result<Admission> ProveAuthentication(const Policy& policy, const EvidenceFacts& facts);
// The same proof ending in "enclaveKey is-trusted-for-attestation" by rule 7 (purpose "attestation": the enclave
// key becomes a sub-certifier's attestation key and the service answers with a platform rule).
Result<Admission> ProveAttestation(const Policy& policy, const EvidenceFacts& facts);

}  // namespace cf::certifier
