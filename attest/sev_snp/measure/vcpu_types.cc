// The model table is QEMU's: every version of a model keeps its family/model/stepping, so the versions share a row.
#include "attest/sev_snp/measure/vcpu_types.h"

#include <algorithm>
#include <cctype>

namespace cf::attest::snp::measure {
namespace {

struct NamedModel {
  const char* name;
  CpuModel cpu;
};

constexpr CpuModel kEpyc{23, 1, 2};        // Naples
constexpr CpuModel kEpycRome{23, 49, 0};   // Rome
constexpr CpuModel kEpycMilan{25, 1, 1};   // Milan
constexpr CpuModel kEpycGenoa{25, 17, 0};  // Genoa
constexpr CpuModel kEpycTurin{26, 0, 0};   // Turin

constexpr NamedModel kModels[] = {
    {"EPYC", kEpyc},
    {"EPYC-v1", kEpyc},
    {"EPYC-v2", kEpyc},
    {"EPYC-IBPB", kEpyc},
    {"EPYC-v3", kEpyc},
    {"EPYC-v4", kEpyc},
    {"EPYC-Rome", kEpycRome},
    {"EPYC-Rome-v1", kEpycRome},
    {"EPYC-Rome-v2", kEpycRome},
    {"EPYC-Rome-v3", kEpycRome},
    {"EPYC-Rome-v4", kEpycRome},
    {"EPYC-Milan", kEpycMilan},
    {"EPYC-Milan-v1", kEpycMilan},
    {"EPYC-Milan-v2", kEpycMilan},
    {"EPYC-Genoa", kEpycGenoa},
    {"EPYC-Genoa-v1", kEpycGenoa},
    {"EPYC-Turin", kEpycTurin},
    {"EPYC-Turin-v1", kEpycTurin},
};

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Result<uint32_t> CpuidSignature(const CpuModel& cpu) {
  if (cpu.family > 0xF + 0xFF || cpu.model > 0xFF || cpu.stepping > 0xF) {
    return Status(Code::kInvalidArgument, "family " + std::to_string(cpu.family) + ", model " +
                                              std::to_string(cpu.model) + ", stepping " + std::to_string(cpu.stepping) +
                                              " do not fit CPUID's signature");
  }
  // Families above 0xF are 0xF plus the extended family; the extended model is the model's high nibble.
  const uint32_t base_family = std::min<uint32_t>(cpu.family, 0xF);
  const uint32_t extended_family = cpu.family > 0xF ? cpu.family - 0xF : 0;
  return extended_family << 20 | (cpu.model >> 4) << 16 | base_family << 8 | (cpu.model & 0xF) << 4 | cpu.stepping;
}

Result<CpuModel> CpuModelByName(std::string_view name) {
  for (const auto& m : kModels) {
    if (SameIgnoringCase(m.name, name)) return m.cpu;
  }
  return Status(Code::kInvalidArgument,
                "unknown vCPU type '" + std::string(name) + "' (known: " + Joined(CpuModelNames()) + ")");
}

std::vector<std::string> CpuModelNames() {
  std::vector<std::string> names;
  for (const auto& m : kModels) names.emplace_back(m.name);
  return names;
}

Result<Vmm> VmmByName(std::string_view name) {
  if (SameIgnoringCase(name, "qemu")) return Vmm::kQemu;
  if (SameIgnoringCase(name, "ec2")) return Vmm::kEc2;
  return Status(Code::kInvalidArgument, "unknown VMM type '" + std::string(name) + "' (known: qemu, ec2)");
}

std::string VmmName(Vmm vmm) { return vmm == Vmm::kEc2 ? "ec2" : "qemu"; }

}  // namespace cf::attest::snp::measure
