// The launch digest of a VM from what the host loads, computed ahead of time: for SEV-SNP the MEASUREMENT its
// attestation reports carry; for SEV-ES and SEV the launch digest (GCTX.LD) that LAUNCH_MEASURE's HMAC covers.
// Everything here is pure computation over inputs already read; refusing what it cannot measure exactly.
#pragma once

#include <cstdint>
#include <optional>

#include "attest/sev_snp/measure/digests.h"
#include "attest/sev_snp/measure/kernel_hashes.h"
#include "attest/sev_snp/measure/ovmf_firmware.h"
#include "attest/sev_snp/measure/vcpu_types.h"
#include "attest/sev_snp/measure/vmsa.h"
#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp::measure {

enum class LaunchMode { kSnp, kSevEs, kSev };

// Beyond this a vCPU count is a typo, not a VM (KVM's own limit is 4096).
inline constexpr uint32_t kMaxVcpus = 4096;

struct LaunchInputs {
  LaunchMode mode = LaunchMode::kSnp;
  std::optional<KernelHashes> kernel;  // a measured direct kernel boot
  uint32_t vcpus = 0;
  uint32_t cpuid_signature = 0;
  Vmm vmm = Vmm::kQemu;
  uint64_t guest_features = kSevFeatureSnpActive;  // SNP's SEV_FEATURES
  // SNP only: the digest after the firmware's own pages, standing in for measuring them (--snp-ovmf-hash).
  std::optional<Sha384Digest> snp_firmware_hash;
};

// 48 bytes for SNP, 32 for SEV-ES and SEV. Fails (kInvalidArgument, saying what is missing) when the firmware
// lacks what the mode needs: the SNP metadata, a kernel-hashes section or hash table for a kernel, the AP reset
// address for more than one vCPU.
Result<Bytes> ComputeLaunchDigest(const OvmfFirmware& firmware, const LaunchInputs& inputs);

// The SNP digest after only the firmware's pages: what --snp-ovmf-hash takes, so a large image need not travel.
Result<Sha384Digest> SnpFirmwareHash(const OvmfFirmware& firmware);

}  // namespace cf::attest::snp::measure
