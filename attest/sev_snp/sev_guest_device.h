// /dev/sev-guest: the Linux sev-guest driver's ioctls (SNP_GET_REPORT, SNP_GET_EXT_REPORT, SNP_GET_DERIVED_KEY),
// with the request/response layouts of the AMD SEV-SNP ABI declared in our own structures. Owns the descriptor.
// Knows nothing of evidence or sealing formats.
#pragma once

#include <memory>
#include <string>

#include "attest/sev_snp/report_source.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::attest::snp {

class SevGuestDevice {
 public:
  // kNotFound when `path` is absent; kPermissionDenied when it cannot be opened.
  static Result<std::shared_ptr<SevGuestDevice>> Open(const std::string& path);
  ~SevGuestDevice();
  SevGuestDevice(const SevGuestDevice&) = delete;
  SevGuestDevice& operator=(const SevGuestDevice&) = delete;

  const std::string& path() const { return path_; }
  // SNP_GET_EXT_REPORT: the report and the host's certificate table (empty when the host keeps none). Hosts that
  // do not implement extended requests get SNP_GET_REPORT instead, with an empty table.
  Result<FetchedReport> GetReport(const ReportData& report_data, uint32_t vmpl);
  // SNP_GET_DERIVED_KEY from the VCEK, mixing in the guest policy and the measurement: 32 bytes.
  Result<SecureBytes> DerivedKey();

 private:
  SevGuestDevice(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Status Call(unsigned long request, void* req, void* resp, const char* what, uint64_t* exit_info);
  Result<Bytes> ReportFromResponse(const uint8_t* resp, const char* what);

  int fd_;
  std::string path_;
};

// A ReportSource over the device.
// Shared: the enclave derives sealing keys from the same device.
std::unique_ptr<ReportSource> DeviceReportSource(std::shared_ptr<SevGuestDevice> device, uint32_t vmpl);

}  // namespace cf::attest::snp
