// The sev-guest ioctls. Layouts follow the AMD SEV-SNP ABI (MSG_REPORT_REQ/RSP, MSG_KEY_REQ/RSP) and the Linux
// uapi (linux/sev-guest.h), declared here so we build without kernel headers of the right age.
#include "attest/sev_snp/sev_guest_device.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "attest/sev_snp/report.h"
#include "common/log.h"
#include "common/ossl.h"

namespace cf::attest::snp {
namespace {

// The kernel's request wrapper: message version, user pointers to request and response, firmware/VMM error out.
struct GuestRequest {
  uint8_t msg_version;
  uint64_t request;
  uint64_t response;
  uint64_t exit_info;  // low 32 bits: firmware error; high 32 bits: hypervisor error
};
struct ReportRequest {  // MSG_REPORT_REQ
  uint8_t user_data[64];
  uint32_t vmpl;
  uint8_t reserved[28];
};
struct ExtReportRequest {  // the driver's extended request: the report request plus a buffer for the certificates
  ReportRequest data;
  uint64_t certs_address;
  uint32_t certs_len;
};
struct ReportResponse {  // MSG_REPORT_RSP: status, size, 24 reserved bytes, the report; padded to 4000
  uint8_t data[4000];
};
struct KeyRequest {          // MSG_KEY_REQ
  uint32_t root_key_select;  // 0 = VCEK
  uint32_t reserved;
  uint64_t guest_field_select;
  uint32_t vmpl;
  uint32_t guest_svn;
  uint64_t tcb_version;
};
struct KeyResponse {  // MSG_KEY_RSP: status, 28 reserved bytes, 32-byte key
  uint8_t data[64];
};
constexpr unsigned long kGetReport = _IOWR('S', 0x0, GuestRequest);
constexpr unsigned long kGetDerivedKey = _IOWR('S', 0x1, GuestRequest);
constexpr unsigned long kGetExtReport = _IOWR('S', 0x2, GuestRequest);
// The driver caps the certificate buffer at 16 KiB (SEV_FW_BLOB_MAX_SIZE) and wants whole pages.
constexpr size_t kCertsBufferSize = 16 << 10;
constexpr uint64_t kVmmErrorInvalidLength = 1;
// GUEST_FIELD_SELECT bits: guest policy (0), measurement (3).
constexpr uint64_t kSelectPolicyAndMeasurement = (1u << 0) | (1u << 3);

class DeviceSource : public ReportSource {
 public:
  DeviceSource(std::shared_ptr<SevGuestDevice> device, uint32_t vmpl) : device_(std::move(device)), vmpl_(vmpl) {}
  std::string Describe() const override { return device_->path(); }
  Result<FetchedReport> Fetch(const ReportData& report_data) override { return device_->GetReport(report_data, vmpl_); }

 private:
  std::shared_ptr<SevGuestDevice> device_;
  uint32_t vmpl_;
};

}  // namespace

Result<std::shared_ptr<SevGuestDevice>> SevGuestDevice::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Status(err == ENOENT ? Code::kNotFound : Code::kPermissionDenied,
                  "cannot open " + path + ": " + std::strerror(err));
  }
  return std::shared_ptr<SevGuestDevice>(new SevGuestDevice(fd, path));
}

SevGuestDevice::~SevGuestDevice() { close(fd_); }

Status SevGuestDevice::Call(unsigned long request, void* req, void* resp, const char* what, uint64_t* exit_info) {
  GuestRequest g{};
  g.msg_version = 1;
  g.request = reinterpret_cast<uint64_t>(req);
  g.response = reinterpret_cast<uint64_t>(resp);
  int rc = ioctl(fd_, request, &g);
  if (exit_info != nullptr) *exit_info = g.exit_info;
  if (rc != 0) {
    int err = errno;
    return Status(Code::kIoError, std::string(what) + " on " + path_ + " failed: " + std::strerror(err) +
                                      " (firmware error " + std::to_string(g.exit_info & 0xffffffffu) +
                                      ", hypervisor error " + std::to_string(g.exit_info >> 32) + ")");
  }
  return Status::Ok();
}

Result<Bytes> SevGuestDevice::ReportFromResponse(const uint8_t* resp, const char* what) {
  uint32_t status, size;
  std::memcpy(&status, resp, 4);
  std::memcpy(&size, resp + 4, 4);
  if (status != 0 || size < kReportSize) {
    return Status(Code::kIoError, std::string(what) + " returned status " + std::to_string(status) + ", size " +
                                      std::to_string(size) + " (a report is " + std::to_string(kReportSize) + ")");
  }
  return Bytes(resp + 32, resp + 32 + kReportSize);
}

Result<FetchedReport> SevGuestDevice::GetReport(const ReportData& report_data, uint32_t vmpl) {
  ExtReportRequest ext{};
  std::memcpy(ext.data.user_data, report_data.data(), report_data.size());
  ext.data.vmpl = vmpl;
  Bytes certs(kCertsBufferSize, 0);
  ext.certs_address = reinterpret_cast<uint64_t>(certs.data());
  ext.certs_len = static_cast<uint32_t>(certs.size());
  ReportResponse resp{};
  uint64_t exit_info = 0;
  Status ext_status = Call(kGetExtReport, &ext, &resp, "SNP_GET_EXT_REPORT", &exit_info);
  if (ext_status.ok()) {
    CF_ASSIGN_OR_RETURN(Bytes report, ReportFromResponse(resp.data, "SNP_GET_EXT_REPORT"));
    return FetchedReport{std::move(report), std::move(certs)};
  }
  if ((exit_info >> 32) == kVmmErrorInvalidLength) {
    // The driver's buffer limit is ours, so a host wanting more is outside what the driver can carry at all.
    return Status(Code::kResourceExhausted, "SNP_GET_EXT_REPORT: the host's certificates need " +
                                                std::to_string(ext.certs_len) + " bytes, above the driver's " +
                                                std::to_string(kCertsBufferSize));
  }
  // Hosts without extended-request support still answer the plain request; certificates then come from files.
  log::Info("SNP_GET_EXT_REPORT unavailable, using SNP_GET_REPORT without host certificates: " + ext_status.message());
  ReportRequest req{};
  std::memcpy(req.user_data, report_data.data(), report_data.size());
  req.vmpl = vmpl;
  resp = ReportResponse{};
  Status plain = Call(kGetReport, &req, &resp, "SNP_GET_REPORT", nullptr);
  if (!plain.ok()) return plain.Annotate("after " + ext_status.message());
  CF_ASSIGN_OR_RETURN(Bytes report, ReportFromResponse(resp.data, "SNP_GET_REPORT"));
  return FetchedReport{std::move(report), Bytes()};
}

Result<SecureBytes> SevGuestDevice::DerivedKey() {
  KeyRequest req{};
  req.guest_field_select = kSelectPolicyAndMeasurement;
  KeyResponse resp{};
  CF_RETURN_IF_ERROR(Call(kGetDerivedKey, &req, &resp, "SNP_GET_DERIVED_KEY", nullptr));
  uint32_t status;
  std::memcpy(&status, resp.data, 4);
  if (status != 0) return Status(Code::kIoError, "SNP_GET_DERIVED_KEY status " + std::to_string(status));
  SecureBytes key(resp.data + 32, resp.data + 64);
  OPENSSL_cleanse(&resp, sizeof(resp));
  return key;
}

std::unique_ptr<ReportSource> DeviceReportSource(std::shared_ptr<SevGuestDevice> device, uint32_t vmpl) {
  return std::make_unique<DeviceSource>(std::move(device), vmpl);
}

}  // namespace cf::attest::snp
