// What the SEV-SNP enclave sends about its platform, made from what a ReportSource returned: a report checked to be
// for the REPORT_DATA asked for, and the framework's "cert" evidence ARK, ASK, VCEK (DER), each taken from the
// host's certificate table when there, else from files. Builds evidence only; verification is attest/verify_sev.
#pragma once

#include <string>
#include <vector>

#include "attest/sev_snp/report.h"
#include "attest/sev_snp/report_source.h"
#include "common/bytes.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest::snp {

// Fetches and refuses (kUnauthenticated, both values in hex) a report whose REPORT_DATA is not `report_data`: a
// source that answers for other data (a concurrent writer, a replay, a broken driver) must not reach a verifier
// that would then blame the binding. kIoError when the bytes are not a report.
Result<FetchedReport> FetchReportFor(ReportSource& source, const ReportData& report_data);

// [ARK, ASK, VCEK] as "cert" evidence in DER — [ARK, ASK, VLEK] when `report` says the VLEK signed it
// (FLAGS.SIGNING_KEY). Each certificate comes from `cert_table` when it holds one, else from
// `directory`/{ark,ask,vcek,vlek}.der (skipped when `directory` is empty); a missing one is kNotFound naming both
// places. When the signing certificate comes from the host and `report` is given, one of the wrong kind, or for
// another TCB or chip, is refused (kFailedPrecondition) here, where the message can say the host's table is stale.
Result<std::vector<wire::evidence>> SevPlatformEvidence(ByteView cert_table, const std::string& directory,
                                                        const Report* report);

}  // namespace cf::attest::snp
