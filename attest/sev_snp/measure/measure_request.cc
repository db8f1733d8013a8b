// Checks come before any file is read, so a usage error never costs hashing a large kernel first.
#include "attest/sev_snp/measure/measure_request.h"

#include "attest/sev_snp/measure/launch_digest.h"
#include "common/atomic_file.h"

namespace cf::attest::snp::measure {
namespace {

// OVMF builds are 2-8 MiB; this only stops a wrong path (a disk image) from being read whole.
constexpr size_t kMaxFirmwareSize = 128u << 20;

Status Usage(const std::string& why) { return Status(Code::kInvalidArgument, why); }

Result<LaunchMode> ModeByName(const std::string& name) {
  if (name == "snp") return LaunchMode::kSnp;
  if (name == "sev-es") return LaunchMode::kSevEs;
  if (name == "sev") return LaunchMode::kSev;
  return Usage("unknown mode '" + name + "' (known: snp, sev-es, sev)");
}

Status CheckKernelFlags(const MeasureRequest& r) {
  if (r.kernel.empty() && !r.initrd.empty()) return Usage("--initrd needs --kernel");
  if (r.kernel.empty() && r.append) return Usage("--append needs --kernel");
  return Status::Ok();
}

// The CPUID signature for the VMSA. EC2 does not put one there, so it needs no vCPU type (one given is still
// checked: an unknown name is a mistake either way).
Result<uint32_t> SignatureFor(const MeasureRequest& r, LaunchMode mode, Vmm vmm) {
  if (!r.vcpu_type.empty() && r.vcpu_model) return Usage("give --vcpu-type or family/model/stepping, not both");
  std::optional<CpuModel> cpu = r.vcpu_model;
  if (!r.vcpu_type.empty()) {
    CF_ASSIGN_OR_RETURN(cpu, CpuModelByName(r.vcpu_type));
  }
  if (!cpu) {
    if (mode == LaunchMode::kSev || vmm == Vmm::kEc2) return 0u;
    return Usage("--vcpu-type (or --vcpu-family/--vcpu-model/--vcpu-stepping) is required for " + r.mode + " under " +
                 VmmName(vmm) + ": the VMSA carries the CPU signature");
  }
  return CpuidSignature(*cpu);
}

Result<LaunchInputs> InputsFor(const MeasureRequest& r) {
  LaunchInputs in;
  CF_ASSIGN_OR_RETURN(in.mode, ModeByName(r.mode));
  CF_RETURN_IF_ERROR(CheckKernelFlags(r));
  CF_ASSIGN_OR_RETURN(in.vmm, VmmByName(r.vmm_type));
  if (in.mode != LaunchMode::kSev && r.vcpus == 0) return Usage("--vcpus must be at least 1 for " + r.mode);
  in.vcpus = r.vcpus;
  CF_ASSIGN_OR_RETURN(in.cpuid_signature, SignatureFor(r, in.mode, in.vmm));
  in.guest_features = r.guest_features;
  // Every SNP guest's VMSA has SNPActive set; without it the launch would not be SNP at all.
  if (in.mode == LaunchMode::kSnp && (in.guest_features & 0x1) == 0) {
    return Usage("--guest-features must include SNPActive (bit 0) under snp");
  }
  if (!r.snp_ovmf_hash.empty()) {
    if (in.mode != LaunchMode::kSnp) return Usage("--snp-ovmf-hash applies to --mode snp only");
    auto hash = HexDecode(r.snp_ovmf_hash);
    if (!hash.ok() || hash->size() != 48) return Usage("--snp-ovmf-hash must be 96 hex digits (a SHA-384)");
    in.snp_firmware_hash.emplace();
    std::copy(hash->begin(), hash->end(), in.snp_firmware_hash->begin());
  }
  return in;
}

Result<OvmfFirmware> ReadFirmware(const std::string& path) {
  if (path.empty()) return Usage("--ovmf is required");
  auto image = ReadFile(path, kMaxFirmwareSize);
  if (!image.ok()) return image.status().Annotate("reading firmware '" + path + "'");
  auto firmware = OvmfFirmware::Parse(std::move(*image));
  if (!firmware.ok()) return firmware.status().Annotate("firmware '" + path + "'");
  return firmware;
}

}  // namespace

Result<Bytes> MeasureSnpFirmwarePages(const std::string& ovmf_path) {
  CF_ASSIGN_OR_RETURN(OvmfFirmware firmware, ReadFirmware(ovmf_path));
  CF_ASSIGN_OR_RETURN(Sha384Digest hash, SnpFirmwareHash(firmware));
  return Bytes(hash.begin(), hash.end());
}

Result<Bytes> Measure(const MeasureRequest& request) {
  if (request.ovmf.empty()) return Usage("--ovmf is required");
  CF_ASSIGN_OR_RETURN(LaunchInputs inputs, InputsFor(request));
  CF_ASSIGN_OR_RETURN(OvmfFirmware firmware, ReadFirmware(request.ovmf));
  if (!request.kernel.empty()) {
    CF_ASSIGN_OR_RETURN(inputs.kernel, HashKernelInputs(request.kernel, request.initrd, request.append.value_or("")));
  }
  return ComputeLaunchDigest(firmware, inputs);
}

std::string DescribeRequest(const MeasureRequest& r) {
  std::string d = r.mode + ", " + r.vmm_type;
  if (r.mode != "sev") d += ", " + std::to_string(r.vcpus) + " vCPUs";
  if (!r.vcpu_type.empty()) d += " " + r.vcpu_type;
  if (r.vcpu_model) {
    d += " family " + std::to_string(r.vcpu_model->family) + " model " + std::to_string(r.vcpu_model->model) +
         " stepping " + std::to_string(r.vcpu_model->stepping);
  }
  d += ", ovmf=" + r.ovmf;
  if (!r.snp_ovmf_hash.empty()) d += " (firmware hash given)";
  if (!r.kernel.empty()) d += ", kernel=" + r.kernel;
  if (!r.initrd.empty()) d += ", initrd=" + r.initrd;
  if (r.append) d += ", append=\"" + *r.append + "\"";
  return d;
}

}  // namespace cf::attest::snp::measure
