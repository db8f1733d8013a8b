// SNP properties from the genuine Milan report by the AMD ABI bits (and the framework Go service's shifted
// mapping), and template matching with reasons.
#include "certifier/properties.h"

#include <gtest/gtest.h>

#include "common/atomic_file.h"

namespace cf::certifier {
namespace {

const wire::property* Find(const wire::platform& p, const std::string& name) {
  for (const auto& prop : p.props().props()) {
    if (prop.property_name() == name) return &prop;
  }
  return nullptr;
}

attest::snp::Report Milan() {
  auto raw = ReadFile(std::string(CF_SEV_FIXTURES) + "/milan/report.bin");
  EXPECT_TRUE(raw.ok());
  auto r = attest::snp::ParseReport(*raw);
  EXPECT_TRUE(r.ok());
  return *r;
}

TEST(SevProperties, AmdAbiBitsOfTheMilanReport) {
  wire::platform p = SevPlatform(Milan(), PropertyMapping::kAmdAbi);
  EXPECT_EQ(p.platform_type(), "amd-sev-snp");
  EXPECT_EQ(Find(p, "debug")->string_value(), "no");
  EXPECT_EQ(Find(p, "migrate")->string_value(), "no");
  EXPECT_EQ(Find(p, "smt")->string_value(), "yes");
  EXPECT_EQ(Find(p, "tcb-version")->int_value(), 0x7308000000000003ull);
  EXPECT_EQ(Find(p, "tcb-microcode")->int_value(), 0x73u);
  EXPECT_EQ(Find(p, "tcb-snp")->int_value(), 8u);
  EXPECT_EQ(Find(p, "firmware-major")->int_value(), 1u);
  EXPECT_EQ(Find(p, "firmware-minor")->int_value(), 52u);
}

TEST(SevProperties, GoCompatMappingReadsTheReservedBitAsMigrate) {
  wire::platform p = SevPlatform(Milan(), PropertyMapping::kCfGoCompat);
  EXPECT_EQ(Find(p, "migrate")->string_value(), "yes");  // policy 0x30000: bit 17 is the must-be-one bit
  EXPECT_EQ(Find(p, "debug")->string_value(), "no");
}

TEST(SevProperties, DebugAllowedIsRefusedWhenThePolicyForbidsIt) {
  attest::snp::Report r = Milan();
  r.policy |= attest::snp::kPolicyDebug;
  wire::platform templ;
  templ.set_platform_type(kSevPlatformType);
  *templ.mutable_props()->add_props() = StringProperty("debug", "no");
  Status s = SatisfiesTemplate(templ, SevPlatform(r, PropertyMapping::kAmdAbi));
  EXPECT_EQ(s.code(), Code::kPolicyDenied);
  EXPECT_NE(s.message().find("debug is 'yes'"), std::string::npos) << s.message();
  EXPECT_TRUE(SatisfiesTemplate(templ, SevPlatform(Milan(), PropertyMapping::kAmdAbi)).ok());
}

TEST(SevProperties, TcbBelowTheBoundIsRefused) {
  wire::platform templ;
  templ.set_platform_type(kSevPlatformType);
  *templ.mutable_props()->add_props() = IntProperty("tcb-microcode", ">=", 0x74);
  Status s = SatisfiesTemplate(templ, SevPlatform(Milan(), PropertyMapping::kAmdAbi));
  EXPECT_EQ(s.code(), Code::kPolicyDenied);
  EXPECT_NE(s.message().find("tcb-microcode is 115"), std::string::npos) << s.message();
  templ.mutable_props()->mutable_props(0)->set_int_value(0x73);
  EXPECT_TRUE(SatisfiesTemplate(templ, SevPlatform(Milan(), PropertyMapping::kAmdAbi)).ok());
}

TEST(SevProperties, ApiVersionBelowTheBoundIsRefused) {
  // The guest policy's minimum ABI (bits 15:8 major, 7:0 minor) of the Milan report is 0.0.
  wire::platform templ;
  templ.set_platform_type(kSevPlatformType);
  *templ.mutable_props()->add_props() = IntProperty("api-major", ">=", 1);
  Status s = SatisfiesTemplate(templ, SevPlatform(Milan(), PropertyMapping::kAmdAbi));
  EXPECT_EQ(s.code(), Code::kPolicyDenied);
  EXPECT_NE(s.message().find("api-major is 0"), std::string::npos) << s.message();
  templ.mutable_props()->mutable_props(0)->set_int_value(0);
  EXPECT_TRUE(SatisfiesTemplate(templ, SevPlatform(Milan(), PropertyMapping::kAmdAbi)).ok());
}

TEST(SevProperties, SmtAllowedIsRefusedWhenThePolicyForbidsIt) {
  wire::platform templ;
  templ.set_platform_type(kSevPlatformType);
  *templ.mutable_props()->add_props() = StringProperty("smt", "no");  // Milan's guest policy allows SMT (bit 16)
  Status s = SatisfiesTemplate(templ, SevPlatform(Milan(), PropertyMapping::kAmdAbi));
  EXPECT_EQ(s.code(), Code::kPolicyDenied);
  EXPECT_NE(s.message().find("smt is 'yes'"), std::string::npos) << s.message();
}

TEST(SevProperties, UnknownTemplatePropertyIsRefused) {
  wire::platform templ;
  templ.set_platform_type(kSevPlatformType);
  *templ.mutable_props()->add_props() = StringProperty("key-share", "no");
  EXPECT_EQ(SatisfiesTemplate(templ, SevPlatform(Milan(), PropertyMapping::kAmdAbi)).code(), Code::kPolicyDenied);
}

}  // namespace
}  // namespace cf::certifier
