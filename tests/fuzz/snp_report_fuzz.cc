// Fuzz target: what an SEV-SNP host or a client hands the verifier as a report and as the certificate table the
// guest's firmware returns beside it: ParseReport, DescribeReport, VerifySevReport (signature against a genuine
// Milan VCEK, so the bytes after parsing are checked too) and ParseCertTable on the same bytes.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "attest/sev_snp/cert_table.h"
#include "attest/sev_snp/report.h"
#include "attest/verify_sev.h"

namespace {

X509* MilanVcek() {
  static cf::ossl::X509Ptr vcek = [] {
    std::ifstream in(std::string(CF_SEV_FIXTURES) + "/milan/vcek.der", std::ios::binary);
    std::string der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto cert = cf::attest::ParseCertificate(cf::AsBytes(der));
    return cert.ok() ? std::move(cert).value() : cf::ossl::X509Ptr();
  }();
  return vcek.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cf::ByteView input(data, size);
  auto report = cf::attest::snp::ParseReport(input);
  if (report.ok()) (void)cf::attest::snp::DescribeReport(*report);
  if (MilanVcek() != nullptr) (void)cf::attest::VerifySevReport(input, MilanVcek());
  auto table = cf::attest::snp::ParseCertTable(input);
  if (table.ok()) {
    for (const auto& entry : *table) (void)cf::attest::snp::GuidName(entry.guid);
  }
  return 0;
}
