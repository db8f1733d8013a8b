// SNP report -> platform properties, and template matching with reasons. The bit choice is the one place the two
// mappings differ; everything else is shared.
#include "certifier/properties.h"

namespace cf::certifier {
namespace {

const char* YesNo(bool b) { return b ? "yes" : "no"; }

std::string ValueText(const wire::property& p) {
  return p.value_type() == "int" ? std::to_string(p.int_value()) : "'" + p.string_value() + "'";
}

}  // namespace

wire::property StringProperty(const std::string& name, const std::string& value) {
  wire::property p;
  p.set_property_name(name);
  p.set_value_type("string");
  p.set_comparator("=");
  p.set_string_value(value);
  return p;
}

wire::property IntProperty(const std::string& name, const std::string& comparator, uint64_t value) {
  wire::property p;
  p.set_property_name(name);
  p.set_value_type("int");
  p.set_comparator(comparator);
  p.set_int_value(value);
  return p;
}

wire::platform SevPlatform(const attest::snp::Report& r, PropertyMapping mapping) {
  namespace snp = attest::snp;
  bool debug = r.debug_allowed(), migrate = r.migrate_ma_allowed(), smt = r.smt_allowed(),
       single = r.single_socket_required();
  if (mapping == PropertyMapping::kCfGoCompat) {
    // The Go service reads byte 10 one bit low: its migrate is the always-one reserved bit.
    smt = r.policy & snp::kPolicySmt;
    migrate = r.policy & snp::kPolicyReserved1;
    debug = r.policy & snp::kPolicyMigrateMa;
    single = r.policy & snp::kPolicyDebug;
  }
  wire::platform p;
  p.set_platform_type(kSevPlatformType);
  auto* props = p.mutable_props()->mutable_props();
  *props->Add() = StringProperty("debug", YesNo(debug));
  *props->Add() = StringProperty("migrate", YesNo(migrate));
  *props->Add() = StringProperty("smt", YesNo(smt));
  *props->Add() = StringProperty("single-socket", YesNo(single));
  *props->Add() = IntProperty("api-major", "=", r.abi_major());
  *props->Add() = IntProperty("api-minor", "=", r.abi_minor());
  *props->Add() = IntProperty("tcb-version", "=", r.reported_tcb.raw);
  *props->Add() = IntProperty("tcb-bootloader", "=", r.reported_tcb.bootloader());
  *props->Add() = IntProperty("tcb-tee", "=", r.reported_tcb.tee());
  *props->Add() = IntProperty("tcb-snp", "=", r.reported_tcb.snp());
  *props->Add() = IntProperty("tcb-microcode", "=", r.reported_tcb.microcode());
  *props->Add() = IntProperty("vmpl", "=", r.vmpl);
  // The firmware that produced the report (API version), distinct from the guest policy's minimum ABI above.
  *props->Add() = IntProperty("firmware-major", "=", r.current_major);
  *props->Add() = IntProperty("firmware-minor", "=", r.current_minor);
  *props->Add() = IntProperty("firmware-build", "=", r.current_build);
  return p;
}

Status SatisfiesTemplate(const wire::platform& templ, const wire::platform& actual,
                         const std::map<std::string, std::string>* why_absent) {
  if (templ.platform_type() != actual.platform_type()) {
    return Status(Code::kPolicyDenied,
                  "platform type '" + actual.platform_type() + "' is not the policy's '" + templ.platform_type() + "'");
  }
  for (const auto& want : templ.props().props()) {
    const wire::property* have = nullptr;
    for (const auto& p : actual.props().props()) {
      if (p.property_name() == want.property_name()) have = &p;
    }
    const std::string& name = want.property_name();
    if (have == nullptr) {
      std::string why;
      if (why_absent != nullptr) {
        auto it = why_absent->find(name);
        if (it != why_absent->end()) why = ": " + it->second;
      }
      return Status(Code::kPolicyDenied, "platform does not report property '" + name + "' the policy bounds" + why);
    }
    if (have->value_type() != want.value_type()) {
      return Status(Code::kPolicyDenied,
                    "property '" + name + "' is " + have->value_type() + ", the policy's is " + want.value_type());
    }
    std::string cmp = want.comparator().empty() ? "=" : want.comparator();
    bool ok = false;
    if (want.value_type() == "string") {
      ok = have->string_value() == want.string_value();
      cmp = "=";
    } else if (cmp == "=") {
      ok = have->int_value() == want.int_value();
    } else if (cmp == ">=") {
      ok = have->int_value() >= want.int_value();
    } else if (cmp == "<=") {
      ok = have->int_value() <= want.int_value();
    } else {
      return Status(Code::kPolicyDenied, "policy property '" + name + "' has unknown comparator '" + cmp + "'");
    }
    if (!ok) {
      return Status(Code::kPolicyDenied, "platform property " + name + " is " + ValueText(*have) +
                                             ", policy requires " + cmp + " " + ValueText(want));
    }
  }
  return Status::Ok();
}

}  // namespace cf::certifier
