// Where SNP attestation reports come from, behind one interface: the kernel's configfs-tsm (preferred), the
// /dev/sev-guest ioctl, or a replay of recorded bytes (tests). A source returns what the platform gave, unjudged;
// the enclave checks the report is for the data it asked about, the verifier checks the rest.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp {

inline constexpr char kTsmReportRoot[] = "/sys/kernel/config/tsm/report";
inline constexpr char kSevGuestDevice[] = "/dev/sev-guest";

using ReportData = std::array<uint8_t, 64>;

struct FetchedReport {
  Bytes report;      // the raw ATTESTATION_REPORT, kReportSize bytes
  Bytes cert_table;  // the extended report's certificate table as the host gave it; empty when it gave none
};

class ReportSource {
 public:
  virtual ~ReportSource() = default;
  // "configfs-tsm at /sys/kernel/config/tsm/report", "/dev/sev-guest", "replay of milan/report.bin".
  virtual std::string Describe() const = 0;
  // A report whose REPORT_DATA the platform set to `report_data`, with the host's certificate table.
  virtual Result<FetchedReport> Fetch(const ReportData& report_data) = 0;
};

// Returns the same bytes for any report_data: the REPORT_DATA inside is whatever was recorded.
std::unique_ptr<ReportSource> ReplayReportSource(Bytes report, Bytes cert_table, std::string label);

struct ReportSourceOptions {
  std::string tsm_root = kTsmReportRoot;
  std::string device = kSevGuestDevice;
  // The VMPL to ask for (configfs `privlevel`, the ioctl's vmpl); unset: configfs's floor, VMPL 0 on the device.
  std::optional<uint32_t> privlevel;
};

// configfs-tsm where tsm_root exists, else the device; kUnimplemented "not running in an SEV-SNP guest: neither
// <tsm_root> nor <device> exists" when neither does.
Result<std::unique_ptr<ReportSource>> OpenReportSource(const ReportSourceOptions& options);

}  // namespace cf::attest::snp
