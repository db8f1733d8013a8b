// The proof rules, each with a case that holds and cases that must not: wrong premise shape, wrong speaker,
// non-dominating verbs, a conclusion that does not follow, and proofs that use unproved premises.
#include "certifier/rules.h"

#include <gtest/gtest.h>

#include "certifier/clause.h"
#include "certifier/properties.h"

namespace cf::certifier {
namespace {

wire::entity_message Key(const std::string& modulus, const std::string& name = "k") {
  wire::key_message k;
  k.set_key_name(name);
  k.set_key_type("rsa-2048-public");
  k.mutable_rsa_key()->set_public_modulus(modulus);
  k.mutable_rsa_key()->set_public_exponent("\x01\x00\x01");
  return KeyEntity(k);
}

wire::entity_message M(const std::string& m) { return MeasurementEntity(AsBytes(m)); }

TEST(Clause, KeysCompareByNumbersNotNames) {
  EXPECT_TRUE(SameEntity(Key("abc", "one"), Key("abc", "two")));
  EXPECT_TRUE(SameEntity(Key("abc"), Key(std::string("\0abc", 4))));  // leading zero ignored
  EXPECT_FALSE(SameEntity(Key("abc"), Key("abd")));
  EXPECT_FALSE(SameEntity(Key("abc"), M("abc")));
}

TEST(Rules, Rule3TrustedKeySaysGivesTheClause) {
  auto pk = Key("policy");
  auto said = Unary(M("m"), kIsTrusted);
  EXPECT_TRUE(CheckStep(Unary(pk, kIsTrusted), Says(pk, said), said, 3).ok());
  // Another key said it.
  EXPECT_FALSE(CheckStep(Unary(pk, kIsTrusted), Says(Key("other"), said), said, 3).ok());
  // Only for-attestation trust does not make everything it says true.
  EXPECT_FALSE(CheckStep(Unary(pk, kForAttestation), Says(pk, said), said, 3).ok());
  // Conclusion differs from what was said.
  EXPECT_FALSE(CheckStep(Unary(pk, kIsTrusted), Says(pk, said), Unary(M("x"), kIsTrusted), 3).ok());
}

TEST(Rules, Rule5NeedsDomination) {
  auto k1 = Key("one"), k2 = Key("two");
  auto inner = Unary(k2, kForAttestation);
  EXPECT_TRUE(CheckStep(Unary(k1, kIsTrusted), Says(k1, inner), inner, 5).ok());
  EXPECT_TRUE(CheckStep(Unary(k1, kForAttestation), Says(k1, inner), inner, 5).ok());
  auto stronger = Unary(k2, kIsTrusted);
  EXPECT_EQ(CheckStep(Unary(k1, kForAttestation), Says(k1, stronger), stronger, 5).code(), Code::kPolicyDenied);
  EXPECT_FALSE(CheckStep(Unary(k1, kForAuthentication), Says(k1, inner), inner, 5).ok());
}

TEST(Rules, Rule6OnlyPassesSpeaksForAndIsEnvironment) {
  auto attest = Key("attest"), enclave = Key("enclave");
  auto speaks = Simple(enclave, kSpeaksFor, M("m"));
  EXPECT_TRUE(CheckStep(Unary(attest, kForAttestation), Says(attest, speaks), speaks, 6).ok());
  auto other = Unary(enclave, kIsTrusted);
  EXPECT_FALSE(CheckStep(Unary(attest, kForAttestation), Says(attest, other), other, 6).ok());
  EXPECT_FALSE(CheckStep(Unary(attest, kForAuthentication), Says(attest, speaks), speaks, 6).ok());
}

TEST(Rules, Rule1GivesAuthenticationOnlyForTheTrustedMeasurement) {
  auto enclave = Key("enclave");
  auto speaks = Simple(enclave, kSpeaksFor, M("m"));
  EXPECT_TRUE(CheckStep(Unary(M("m"), kIsTrusted), speaks, Unary(enclave, kForAuthentication), 1).ok());
  EXPECT_FALSE(CheckStep(Unary(M("other"), kIsTrusted), speaks, Unary(enclave, kForAuthentication), 1).ok());
  EXPECT_FALSE(CheckStep(Unary(M("m"), kIsTrusted), speaks, Unary(Key("x"), kForAuthentication), 1).ok());
  EXPECT_FALSE(CheckStep(Unary(M("m"), kIsTrusted), speaks, Unary(enclave, kIsTrusted), 1).ok());
}

TEST(Rules, Rules8To10JudgeTheEnvironment) {
  wire::platform actual;
  actual.set_platform_type(kSevPlatformType);
  *actual.mutable_props()->add_props() = StringProperty("debug", "no");
  *actual.mutable_props()->add_props() = IntProperty("tcb-version", "=", 10);
  wire::environment env;
  *env.mutable_the_platform() = actual;
  env.set_the_measurement("m");
  auto e = EnvironmentEntity(env);
  wire::platform templ;
  templ.set_platform_type(kSevPlatformType);
  *templ.mutable_props()->add_props() = StringProperty("debug", "no");
  *templ.mutable_props()->add_props() = IntProperty("tcb-version", ">=", 9);
  auto is_env = Unary(e, kIsEnvironment);
  auto has = Unary(PlatformEntity(templ), kHasTrustedPlatformProperty);
  EXPECT_TRUE(CheckStep(is_env, has, Unary(e, kEnvPlatformTrusted), 8).ok());
  // Rule 8 checks its conclusion (the framework did not).
  EXPECT_FALSE(CheckStep(is_env, has, Unary(e, kIsTrusted), 8).ok());
  wire::platform strict = templ;
  strict.mutable_props()->mutable_props(1)->set_int_value(11);
  Status s =
      CheckStep(is_env, Unary(PlatformEntity(strict), kHasTrustedPlatformProperty), Unary(e, kEnvPlatformTrusted), 8);
  EXPECT_EQ(s.code(), Code::kPolicyDenied);
  EXPECT_NE(s.message().find("tcb-version"), std::string::npos) << s.message();
  EXPECT_TRUE(CheckStep(is_env, Unary(M("m"), kIsTrusted), Unary(e, kEnvMeasurementTrusted), 9).ok());
  EXPECT_FALSE(CheckStep(is_env, Unary(M("x"), kIsTrusted), Unary(e, kEnvMeasurementTrusted), 9).ok());
  EXPECT_TRUE(
      CheckStep(Unary(e, kEnvMeasurementTrusted), Unary(e, kEnvPlatformTrusted), Unary(e, kIsTrusted), 10).ok());
  EXPECT_FALSE(
      CheckStep(Unary(e, kEnvPlatformTrusted), Unary(e, kEnvMeasurementTrusted), Unary(e, kIsTrusted), 10).ok());
}

TEST(Rules, UnimplementedAndUnknownRulesAreSaidSo) {
  auto c = Unary(Key("a"), kIsTrusted);
  EXPECT_EQ(CheckStep(c, c, c, 2).code(), Code::kUnimplemented);
  EXPECT_EQ(CheckStep(c, c, c, 4).code(), Code::kUnimplemented);
  EXPECT_EQ(CheckStep(c, c, c, 99).code(), Code::kInvalidArgument);
}

TEST(Proof, RefusesAStepWithAnUnprovedPremise) {
  auto pk = Key("policy");
  auto said = Unary(M("m"), kIsTrusted);
  wire::proof proof;
  *proof.add_already_proved() = Unary(pk, kIsTrusted);
  // "policyKey says ..." is not in already_proved: the framework skipped such steps, we fail.
  auto* step = proof.add_steps();
  *step->mutable_s1() = Unary(pk, kIsTrusted);
  *step->mutable_s2() = Says(pk, said);
  *step->mutable_conclusion() = said;
  step->set_rule_applied(3);
  *proof.mutable_to_prove() = said;
  EXPECT_EQ(CheckProof(proof).code(), Code::kPolicyDenied);
  *proof.add_already_proved() = Says(pk, said);
  EXPECT_TRUE(CheckProof(proof).ok());
  *proof.mutable_to_prove() = Unary(M("x"), kIsTrusted);
  EXPECT_FALSE(CheckProof(proof).ok());
}

}  // namespace
}  // namespace cf::certifier
