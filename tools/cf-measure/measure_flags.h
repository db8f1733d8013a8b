// The flags that describe a VM launch to measure, shared by cf-measure and `cf-policy trust-vm` so the two
// accept exactly the same words. Binding only; checking is attest/sev_snp/measure/measure_request.cc's.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "attest/sev_snp/measure/measure_request.h"

namespace cf::tools {

class MeasureFlags {
 public:
  // Adds --ovmf, --kernel, --initrd, --append, --vcpus, --vcpu-type, --vcpu-family/-model/-stepping, --vmm-type,
  // --mode, --snp-ovmf-hash, --guest-features to `app`.
  void AddTo(CLI::App& app);
  // The request after parsing. Fails when family/model/stepping are given only in part or a number is malformed.
  Result<attest::snp::measure::MeasureRequest> Request() const;

 private:
  attest::snp::measure::MeasureRequest request_;
  std::string append_;
  CLI::Option* append_option_ = nullptr;
  std::optional<uint32_t> family_, model_, stepping_;
  std::string guest_features_ = "0x1";
};

// The examples --help prints after the options.
inline constexpr char kMeasureExamples[] =
    "Examples:\n"
    "  cf-measure --ovmf OVMF.fd --vcpus 4 --vcpu-type EPYC-Milan\n"
    "  cf-measure --ovmf OVMF-AmdSev.fd --kernel vmlinuz --initrd initrd.img --append 'console=ttyS0' \\\n"
    "             --vcpus 2 --vcpu-type EPYC-Genoa\n"
    "  cf-measure --ovmf OVMF.fd --vcpus 2 --vmm-type ec2\n"
    "  cf-measure --ovmf OVMF-AmdSev.fd --print-snp-ovmf-hash\n"
    "  cf-measure --ovmf OVMF-AmdSev.fd --snp-ovmf-hash <96 hex digits> --kernel vmlinuz --vcpus 1 "
    "--vcpu-type EPYC-v4\n";

}  // namespace cf::tools
