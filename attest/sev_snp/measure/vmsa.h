// The initial VMSA pages of an SEV-ES/SNP guest: each vCPU's register state at reset, which the launch encrypts
// and measures. The VMM fills them as KVM's reset state dictates; this file reproduces that state for the VMMs in
// vcpu_types.h, for the boot CPU (at the x86 reset vector) and for the APs (at OVMF's SEV-ES reset block).
#pragma once

#include <cstdint>
#include <vector>

#include "attest/sev_snp/measure/vcpu_types.h"
#include "common/bytes.h"

namespace cf::attest::snp::measure {

// Where every x86 CPU starts: the boot CPU's first instruction.
inline constexpr uint32_t kBootCpuResetEip = 0xFFFFFFF0;

// SEV_FEATURES bit 0: SNP active. The default guest features of an SNP launch by QEMU.
inline constexpr uint64_t kSevFeatureSnpActive = 0x1;

struct VmsaInputs {
  Vmm vmm = Vmm::kQemu;
  uint32_t cpuid_signature = 0;  // left in RDX (QEMU); EC2 leaves RDX zero
  uint64_t sev_features = 0;     // 0 under SEV-ES; the guest features (at least SNP active) under SNP
  uint32_t ap_reset_eip = 0;     // from the firmware's SEV-ES reset block
};

// One 4 KiB VMSA page for a vCPU starting at eip.
Bytes BuildVmsaPage(const VmsaInputs& in, uint32_t eip);

// The pages of `vcpus` vCPUs in launch order: the boot CPU's, then one per AP.
std::vector<Bytes> BuildVmsaPages(const VmsaInputs& in, uint32_t vcpus);

}  // namespace cf::attest::snp::measure
