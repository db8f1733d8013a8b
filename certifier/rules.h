// The framework's proof rules (R1..R11 of certlib_proofs.go, WIRE.md) and the proof checker. Unlike the
// framework's checker, a step whose premises are not yet proved fails the proof instead of being skipped, and
// every rule checks its conclusion.
#pragma once

#include <vector>

#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

// is-trusted dominates each is-trusted-for-*; every verb dominates itself.
bool Dominates(const std::string& a, const std::string& b);

// Checks one step: s1 and s2 with `rule` yield `conclusion`. kPolicyDenied names the rule and what did not fit;
// kUnimplemented for R2 and R4 (the framework never implemented them either).
Status CheckStep(const wire::vse_clause& s1, const wire::vse_clause& s2, const wire::vse_clause& conclusion, int rule);

// Every step's premises must already be proved (starting from proof.already_proved), every step must check, and
// the last conclusion must be proof.to_prove.
Status CheckProof(const wire::proof& proof);

}  // namespace cf::certifier
