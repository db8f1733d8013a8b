// Who the guest's vCPUs claim to be and which VMM starts them: the two inputs besides the images that change the
// VMSA pages, hence the launch digest. CPU models are QEMU's names for AMD EPYC generations (target/i386/cpu.c), each
// a family/model/stepping whose CPUID signature the VMM leaves in RDX at reset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cf::attest::snp::measure {

struct CpuModel {
  uint32_t family = 0;
  uint32_t model = 0;
  uint32_t stepping = 0;
};

// CPUID Fn0000_0001 EAX for the model: stepping[3:0], model[7:4], family[11:8], extended model[19:16], extended
// family[27:20]. Fails when a value cannot be encoded (family > 0x10E, model > 0xFF, stepping > 0xF).
Result<uint32_t> CpuidSignature(const CpuModel& cpu);

// QEMU's model names (EPYC, EPYC-v4, EPYC-Rome, EPYC-Milan, EPYC-Genoa, EPYC-Turin, with their -vN versions), matched
// without regard to case. Fails listing the known names.
Result<CpuModel> CpuModelByName(std::string_view name);
std::vector<std::string> CpuModelNames();

// The VMMs whose reset state is known. They differ in segment attributes and in what RDX, MXCSR and FCW hold at
// reset, and EC2 adds the CPUID page after the other metadata sections.
enum class Vmm { kQemu, kEc2 };

// "qemu" or "ec2", without regard to case.
Result<Vmm> VmmByName(std::string_view name);
std::string VmmName(Vmm vmm);

}  // namespace cf::attest::snp::measure
