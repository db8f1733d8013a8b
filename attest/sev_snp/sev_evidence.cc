// Platform evidence for SEV-SNP. Certificates are re-encoded to DER after parsing so a PEM file or a table entry
// with trailing bytes cannot reach the wire in a form the framework's verifier reads differently.
#include "attest/sev_snp/sev_evidence.h"

#include <algorithm>
#include <cstdio>

#include "attest/sev_snp/cert_table.h"
#include "attest/verify_sev.h"
#include "common/atomic_file.h"
#include "common/x509_der.h"

namespace cf::attest::snp {
namespace {

std::string Tcb(uint64_t v) {
  char s[24];
  snprintf(s, sizeof(s), "0x%016llx", static_cast<unsigned long long>(v));
  return s;
}

// The host is not trusted for anything but convenience: a stale VCEK would fail at the verifier anyway, with a
// message about signatures rather than about the host.
Status CheckSignerMatchesReport(X509* cert, const Report& report) {
  CF_ASSIGN_OR_RETURN(VcekFacts facts, ReadVcekFacts(cert));
  const std::string signer = SigningKeyName(report.signing_key());
  if (facts.kind != signer) {
    return Status(Code::kFailedPrecondition, "the report is signed by the " + signer + " but the host's " + signer +
                                                 " entry holds a " + facts.kind + " certificate");
  }
  if (facts.tcb != report.reported_tcb.raw) {
    return Status(Code::kFailedPrecondition, "the host's " + signer + " is for TCB " + Tcb(facts.tcb) +
                                                 " but the report's reported_tcb is " + Tcb(report.reported_tcb.raw) +
                                                 ": the host's certificates are stale");
  }
  // A VLEK names no chip; a Turin VCEK names the chip id's first 8 bytes.
  if (!facts.chip_id.empty() && !report.chip_id_masked() &&
      !std::equal(facts.chip_id.begin(), facts.chip_id.end(), report.chip_id.begin())) {
    return Status(Code::kFailedPrecondition, "the host's VCEK is for chip " +
                                                 HexEncode(ByteView(facts.chip_id.data(), 8)) + "..., the report's " +
                                                 "chip_id is " + HexEncode(ByteView(report.chip_id.data(), 8)) +
                                                 "...: the host gave another machine's certificate");
  }
  return Status::Ok();
}

}  // namespace

Result<FetchedReport> FetchReportFor(ReportSource& source, const ReportData& report_data) {
  CF_ASSIGN_OR_RETURN(FetchedReport fetched, source.Fetch(report_data));
  auto report = ParseReport(fetched.report);
  if (!report.ok()) return Status(Code::kIoError, source.Describe() + ": " + report.status().message());
  if (!std::equal(report_data.begin(), report_data.end(), report->report_data.begin())) {
    return Status(Code::kUnauthenticated, source.Describe() + " returned a report for REPORT_DATA " +
                                              HexEncode(ByteView(report->report_data.data(), 64)) + ", but " +
                                              HexEncode(ByteView(report_data.data(), 64)) + " was asked for");
  }
  return fetched;
}

Result<std::vector<wire::evidence>> SevPlatformEvidence(ByteView cert_table, const std::string& directory,
                                                        const Report* report) {
  auto entries = ParseCertTable(cert_table);
  if (!entries.ok()) return entries.status().Annotate("the host's certificate table");
  struct Wanted {
    const char* name;
    const char* file;
    Guid guid;
  };
  // The report says which key signed it: the chip's VCEK, or a VLEK the cloud provider loaded (its table then
  // carries the VLEK, GUID a8074bc2-...). The verifier needs that one; the other would only fail its signature.
  const bool vlek = report != nullptr && report->signing_key() == SigningKey::kVlek;
  const Wanted signer = vlek ? Wanted{"VLEK", "vlek.der", kVlekGuid} : Wanted{"VCEK", "vcek.der", kVcekGuid};
  const Wanted wanted[] = {{"ARK", "ark.der", kArkGuid}, {"ASK", "ask.der", kAskGuid}, signer};
  std::vector<wire::evidence> out;
  for (const Wanted& w : wanted) {
    const CertTableEntry* entry = FindCert(*entries, w.guid);
    std::string from;
    Result<Bytes> raw = Status(Code::kNotFound, "no certificate directory configured");
    if (entry != nullptr) {
      from = "the host's certificate table";
      raw = entry->data;
    } else if (!directory.empty()) {
      from = directory + "/" + w.file;
      raw = ReadFile(from, 64 << 10);
    }
    if (!raw.ok()) {
      std::string present;
      for (const CertTableEntry& e : *entries) present += (present.empty() ? "" : ", ") + GuidName(e.guid);
      return Status(
          Code::kNotFound,
          std::string("SEV platform certificate ") + w.name + ": not in the host's certificate table (it holds " +
              (present.empty() ? "nothing" : present) + "), and " +
              (directory.empty() ? raw.status().message() : directory + "/" + w.file + ": " + raw.status().message()) +
              (vlek && w.guid == kVlekGuid ? " (the report is signed by the VLEK, FLAGS.SIGNING_KEY 1: the cloud "
                                             "provider supplies it)"
                                           : " (fetch it from AMD KDS into the certificate directory)"));
    }
    auto cert = ParseCertificate(*raw);
    if (!cert.ok()) return cert.status().Annotate(std::string(w.name) + " from " + from);
    if (entry != nullptr && w.guid == signer.guid && report != nullptr) {
      CF_RETURN_IF_ERROR(
          CheckSignerMatchesReport(cert->get(), *report).Annotate(std::string(w.name) + " from " + from));
    }
    CF_ASSIGN_OR_RETURN(Bytes der, ossl::CertificateDer(cert->get()));
    wire::evidence e;
    e.set_evidence_type("cert");
    e.set_serialized_evidence(AsString(der));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace cf::attest::snp
