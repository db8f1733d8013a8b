// The source chooser and the replay source. configfs-tsm is preferred because it is the kernel's common interface
// (the ioctl is SEV-specific and older); both come from the same sev-guest driver, so either gives the same report.
#include "attest/sev_snp/report_source.h"

#include <unistd.h>

#include "attest/sev_snp/configfs_tsm_source.h"
#include "attest/sev_snp/sev_guest_device.h"

namespace cf::attest::snp {
namespace {

class ReplaySource : public ReportSource {
 public:
  ReplaySource(Bytes report, Bytes cert_table, std::string label)
      : fetched_{std::move(report), std::move(cert_table)}, label_(std::move(label)) {}
  std::string Describe() const override { return "replay of " + label_; }
  Result<FetchedReport> Fetch(const ReportData&) override { return fetched_; }

 private:
  FetchedReport fetched_;
  std::string label_;
};

}  // namespace

std::unique_ptr<ReportSource> ReplayReportSource(Bytes report, Bytes cert_table, std::string label) {
  return std::make_unique<ReplaySource>(std::move(report), std::move(cert_table), std::move(label));
}

Result<std::unique_ptr<ReportSource>> OpenReportSource(const ReportSourceOptions& options) {
  if (access(options.tsm_root.c_str(), F_OK) == 0) {
    ConfigfsTsmOptions tsm;
    tsm.root = options.tsm_root;
    tsm.privlevel = options.privlevel;
    return OpenConfigfsTsmSource(tsm);
  }
  if (access(options.device.c_str(), F_OK) == 0) {
    CF_ASSIGN_OR_RETURN(std::shared_ptr<SevGuestDevice> device, SevGuestDevice::Open(options.device));
    return DeviceReportSource(std::move(device), options.privlevel.value_or(0));
  }
  return Status(Code::kUnimplemented,
                "not running in an SEV-SNP guest: neither " + options.tsm_root + " nor " + options.device + " exists");
}

}  // namespace cf::attest::snp
