// Fetches through the same ReportSource the enclave uses, so what this shows is what the token would attest with.
// The summary goes to stdout; everything else (files written, failures) to stderr, one line per failure.
#include "tools/cf-attest/report_command.h"

#include <iostream>

#include "attest/sev_snp/cert_table.h"
#include "attest/sev_snp/report.h"
#include "attest/sev_snp/report_source.h"
#include "attest/sev_snp/sev_evidence.h"
#include "common/atomic_file.h"
#include "common/random.h"

namespace cf::tools {
namespace {

using namespace cf::attest::snp;

int Error(int code, const std::string& message) {
  std::cerr << "cf-attest: " << message << "\n";
  return code;
}

Result<ReportData> ChooseReportData(const std::string& hex) {
  ReportData rd{};
  if (hex.empty()) {
    CF_RETURN_IF_ERROR(RandomFill(rd.data(), rd.size()));
    return rd;
  }
  CF_ASSIGN_OR_RETURN(Bytes raw, HexDecode(hex));
  if (raw.size() > rd.size()) {
    return Status(Code::kInvalidArgument, "--report-data is " + std::to_string(raw.size()) + " bytes; at most 64");
  }
  std::copy(raw.begin(), raw.end(), rd.begin());  // shorter data is zero-padded, as the firmware would see it
  return rd;
}

Status WriteHostCertificates(const std::vector<CertTableEntry>& entries, const std::string& dir) {
  CF_RETURN_IF_ERROR(MakeDirectories(dir, 0755));
  const std::pair<Guid, const char*> files[] = {{kVcekGuid, "vcek.der"}, {kAskGuid, "ask.der"}, {kArkGuid, "ark.der"}};
  for (const auto& [guid, file] : files) {
    const CertTableEntry* e = FindCert(entries, guid);
    if (e == nullptr) continue;
    CF_RETURN_IF_ERROR(WriteFileAtomic(dir + "/" + file, e->data, 0644));
    std::cerr << "cf-attest: wrote the host's " << GuidName(guid) << " to " << dir << "/" << file << "\n";
  }
  return Status::Ok();
}

}  // namespace

int RunReport(const ReportCommand& command) {
  auto report_data = ChooseReportData(command.report_data);
  if (!report_data.ok()) return Error(2, report_data.status().message());
  ReportSourceOptions options;
  if (!command.tsm_root.empty()) options.tsm_root = command.tsm_root;
  if (!command.device.empty()) options.device = command.device;
  if (command.vmpl) options.privlevel = *command.vmpl;
  auto source = OpenReportSource(options);
  if (!source.ok()) {
    return Error(source.status().code() == Code::kUnimplemented ? kExitNotAGuest : 3, source.status().message());
  }
  auto fetched = FetchReportFor(**source, *report_data);
  if (!fetched.ok()) {
    return Error(fetched.status().code() == Code::kUnimplemented ? kExitNotAGuest : 3, fetched.status().message());
  }
  auto entries = ParseCertTable(fetched->cert_table);
  if (!entries.ok()) return Error(3, entries.status().message());
  if (!command.out.empty()) {
    Status s = WriteFileAtomic(command.out, fetched->report, 0644);
    if (!s.ok()) return Error(3, "writing --out: " + s.ToString());
    std::cerr << "cf-attest: wrote the report to " << command.out << "\n";
  }
  if (!command.certs_dir.empty()) {
    Status s = WriteHostCertificates(*entries, command.certs_dir);
    if (!s.ok()) return Error(3, "writing --certs-dir: " + s.ToString());
  }
  auto report = ParseReport(fetched->report);  // FetchReportFor parsed it already; this cannot fail
  if (!report.ok()) return Error(3, report.status().message());
  std::string held;
  for (const CertTableEntry& e : *entries) held += (held.empty() ? "" : ", ") + GuidName(e.guid);
  std::cout << "source: " << (*source)->Describe() << "\n"
            << "host certificates: " << (held.empty() ? "none" : held) << "\n"
            << DescribeReport(*report);
  return 0;
}

}  // namespace cf::tools
