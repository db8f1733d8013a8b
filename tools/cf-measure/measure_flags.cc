// CLI11 bindings for the launch flags; the numbers are read here, their meaning is checked in the library.
#include "tools/cf-measure/measure_flags.h"

namespace cf::tools {

void MeasureFlags::AddTo(CLI::App& app) {
  auto& r = request_;
  app.add_option("--ovmf", r.ovmf, "the OVMF firmware image the VM boots (whole .fd file)")->required();
  app.add_option("--kernel", r.kernel, "kernel for a measured direct boot (OVMF AmdSev build)");
  app.add_option("--initrd", r.initrd, "initrd (with --kernel)");
  append_option_ = app.add_option("--append", append_, "kernel command line (with --kernel)");
  app.add_option("--vcpus", r.vcpus, "number of vCPUs (snp, sev-es)");
  app.add_option("--vcpu-type", r.vcpu_type,
                 "QEMU CPU model: EPYC, EPYC-v4, EPYC-Rome, EPYC-Milan, EPYC-Genoa, EPYC-Turin, ...");
  app.add_option("--vcpu-family", family_, "vCPU family (instead of --vcpu-type), e.g. 25");
  app.add_option("--vcpu-model", model_, "vCPU model (instead of --vcpu-type), e.g. 1");
  app.add_option("--vcpu-stepping", stepping_, "vCPU stepping (instead of --vcpu-type), e.g. 1");
  app.add_option("--vmm-type", r.vmm_type, "the VMM that launches the VM: qemu or ec2")->default_str("qemu");
  app.add_option("--mode", r.mode, "snp (the report's measurement), sev-es or sev (the launch digest)")
      ->default_str("snp");
  app.add_option("--snp-ovmf-hash", r.snp_ovmf_hash,
                 "the SNP digest of the firmware's pages, precomputed (96 hex digits); --ovmf still gives the "
                 "footer and metadata");
  app.add_option("--guest-features", guest_features_, "SNP guest features (SEV_FEATURES), e.g. 0x1")
      ->default_str("0x1");
}

Result<attest::snp::measure::MeasureRequest> MeasureFlags::Request() const {
  attest::snp::measure::MeasureRequest r = request_;
  if (append_option_ != nullptr && append_option_->count() > 0) r.append = append_;
  const int given = int{family_.has_value()} + int{model_.has_value()} + int{stepping_.has_value()};
  if (given != 0 && given != 3) {
    return Status(Code::kInvalidArgument, "--vcpu-family, --vcpu-model and --vcpu-stepping go together");
  }
  if (given == 3) r.vcpu_model = attest::snp::measure::CpuModel{*family_, *model_, *stepping_};
  size_t used = 0;
  try {
    r.guest_features = std::stoull(guest_features_, &used, 0);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != guest_features_.size()) {
    return Status(Code::kInvalidArgument, "--guest-features '" + guest_features_ + "' is not a number");
  }
  return r;
}

}  // namespace cf::tools
