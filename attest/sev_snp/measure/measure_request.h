// A launch measurement as a person asks for it: file paths and names (cf-measure's and cf-policy's flags), checked
// and turned into launch_digest.h's inputs. Every inconsistent or incomplete request is refused with the reason,
// because a digest computed from a guess would be trusted by a policy and match no real VM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "attest/sev_snp/measure/vcpu_types.h"
#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp::measure {

struct MeasureRequest {
  std::string mode = "snp";            // snp, sev-es or sev
  std::string ovmf;                    // the firmware image
  std::string kernel;                  // empty: no measured direct kernel boot
  std::string initrd;                  // only with kernel
  std::optional<std::string> append;   // the kernel command line; only with kernel
  uint32_t vcpus = 0;                  // required for snp and sev-es
  std::string vcpu_type;               // a QEMU model name, or...
  std::optional<CpuModel> vcpu_model;  // ...its family/model/stepping; one of the two for QEMU
  std::string vmm_type = "qemu";
  std::string snp_ovmf_hash;  // hex, snp only: the firmware pages' digest, precomputed
  uint64_t guest_features = 0x1;
};

// The digest (48 bytes for snp, 32 for sev-es and sev).
Result<Bytes> Measure(const MeasureRequest& request);

// The SNP digest after the firmware's own pages (what --snp-ovmf-hash takes), from the image at ovmf_path.
Result<Bytes> MeasureSnpFirmwarePages(const std::string& ovmf_path);

// One line naming what was measured, for a policy's comment: "snp, 4 vCPUs EPYC-v4, qemu, ovmf=..., kernel=...".
std::string DescribeRequest(const MeasureRequest& request);

}  // namespace cf::attest::snp::measure
