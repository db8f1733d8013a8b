// The SEV-SNP enclave over a replayed genuine Milan report and a host certificate table: its platform evidence
// carries the host's ARK/ASK/VCEK in the framework's order and verifies with attest/verify_sev; the replayed
// report passes the enclave's REPORT_DATA check only for the data it was made for; a bad or stale host table
// and a missing certificate are refused with reasons.
#include <gtest/gtest.h>

#include <filesystem>

#include "attest/sev_snp/report_source.h"
#include "attest/sev_snp/sev_enclave.h"
#include "attest/sev_snp/sev_evidence.h"
#include "attest/verify_sev.h"
#include "common/time_text.h"
#include "tests/unit/attest/sev_snp/sev_fixtures.h"

namespace cf::attest {
namespace {

using snp::testing::MilanData;

class ReplayEnclave : public ::testing::Test {
 protected:
  std::unique_ptr<Enclave> Open(Bytes table, const std::string& dir = "") {
    auto e = OpenSevEnclaveWith(snp::ReplayReportSource(m_.report, std::move(table), "milan/report.bin"), nullptr, dir);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  std::string TempDir() {
    std::string d = ::testing::TempDir() + "/sev-certs-" + std::to_string(getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
  }
  MilanData m_;
};

TEST_F(ReplayEnclave, ReportsTheGenuineMeasurement) {
  auto e = Open(m_.Table());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), kSevEnclave);
  EXPECT_EQ(HexEncode(e->measurement()), snp::testing::kMilanMeasurement);
  EXPECT_EQ(e->evidence_type(), "sev-platform-package");
}

TEST_F(ReplayEnclave, HostCertificatesBecomeEvidenceThatVerifiesWithTheReport) {
  auto e = Open(m_.Table());
  ASSERT_TRUE(e);
  auto evidence = e->PlatformEvidence();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  ASSERT_EQ(evidence->size(), 3u);
  for (const auto& item : *evidence) EXPECT_EQ(item.evidence_type(), "cert");
  // The framework's order is ARK, ASK, VCEK whatever order the host's table had.
  EXPECT_EQ(ToBytes((*evidence)[0].serialized_evidence()), m_.ark);
  EXPECT_EQ(ToBytes((*evidence)[1].serialized_evidence()), m_.ask);
  EXPECT_EQ(ToBytes((*evidence)[2].serialized_evidence()), m_.vcek);
  auto ark = ParseCertificate(AsBytes((*evidence)[0].serialized_evidence()));
  auto ask = ParseCertificate(AsBytes((*evidence)[1].serialized_evidence()));
  auto vcek = ParseCertificate(AsBytes((*evidence)[2].serialized_evidence()));
  ASSERT_TRUE(ark.ok() && ask.ok() && vcek.ok());
  Status chain = VerifySevChain(ark->get(), ask->get(), vcek->get(), NowSeconds());
  EXPECT_TRUE(chain.ok()) << chain.ToString();

  // The report, fetched through the enclave's checked path for the data it was made for, verifies under that VCEK.
  auto parsed = snp::ParseReport(m_.report);
  ASSERT_TRUE(parsed.ok());
  auto source = snp::ReplayReportSource(m_.report, m_.Table(), "milan/report.bin");
  auto fetched = snp::FetchReportFor(*source, parsed->report_data);
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  auto verified = VerifySevReport(fetched->report, vcek->get());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(HexEncode(ByteView(verified->measurement.data(), 48)), snp::testing::kMilanMeasurement);
}

TEST_F(ReplayEnclave, AttestRefusesAReportMadeForOtherData) {
  // The replay answers with the recorded REPORT_DATA, not SHA-384 of what we say: the enclave must notice.
  auto e = Open(m_.Table());
  ASSERT_TRUE(e);
  auto attested = e->Attest(AsBytes("attestation_user_data"));
  ASSERT_FALSE(attested.ok());
  EXPECT_EQ(attested.status().code(), Code::kUnauthenticated);
  EXPECT_NE(attested.status().message().find("replay of milan/report.bin returned a report for REPORT_DATA d447b55d"),
            std::string::npos)
      << attested.status().message();
}

TEST_F(ReplayEnclave, HostCertificatesWinOverTheDirectory) {
  std::string dir = TempDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/vcek.der", AsBytes("not a certificate")).ok());
  auto e = Open(m_.Table(), dir);
  ASSERT_TRUE(e);
  auto evidence = e->PlatformEvidence();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  EXPECT_EQ(ToBytes((*evidence)[2].serialized_evidence()), m_.vcek);
}

TEST_F(ReplayEnclave, MissingHostVcekComesFromTheDirectory) {
  std::string dir = TempDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/vcek.der", m_.vcek).ok());
  auto e = Open(snp::BuildCertTable({{snp::kAskGuid, m_.ask}, {snp::kArkGuid, m_.ark}}), dir);
  ASSERT_TRUE(e);
  auto evidence = e->PlatformEvidence();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  EXPECT_EQ(ToBytes((*evidence)[2].serialized_evidence()), m_.vcek);
  EXPECT_EQ(ToBytes((*evidence)[0].serialized_evidence()), m_.ark);
}

TEST_F(ReplayEnclave, MissingVcekEverywhereNamesBothPlaces) {
  std::string dir = TempDir();
  auto e = Open(snp::BuildCertTable({{snp::kAskGuid, m_.ask}, {snp::kArkGuid, m_.ark}}), dir);
  ASSERT_TRUE(e);
  auto evidence = e->PlatformEvidence();
  ASSERT_FALSE(evidence.ok());
  EXPECT_EQ(evidence.status().code(), Code::kNotFound);
  const std::string& msg = evidence.status().message();
  EXPECT_NE(msg.find("VCEK: not in the host's certificate table (it holds ASK, ARK)"), std::string::npos) << msg;
  EXPECT_NE(msg.find(dir + "/vcek.der"), std::string::npos) << msg;
}

TEST_F(ReplayEnclave, HostVcekForAnOlderTcbIsRefusedAsStale) {
  // A report at a newer boot loader SPL (reported_tcb byte 0, offset 0x180) than the host's cached VCEK: what a
  // guest sees after a firmware update when the host did not refresh its certificates.
  Bytes newer = m_.report;
  newer[0x180] = 4;
  auto e = OpenSevEnclaveWith(snp::ReplayReportSource(newer, m_.Table(), "newer"), nullptr, "");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto evidence = (*e)->PlatformEvidence();
  ASSERT_FALSE(evidence.ok());
  EXPECT_EQ(evidence.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(evidence.status().message().find("the host's VCEK is for TCB 0x7308000000000003 but the report's "
                                             "reported_tcb is 0x7308000000000004"),
            std::string::npos)
      << evidence.status().message();
}

TEST_F(ReplayEnclave, MalformedHostTableIsRefused) {
  Bytes table = m_.Table();
  table.resize(30);
  auto e = Open(table);
  ASSERT_TRUE(e);
  auto evidence = e->PlatformEvidence();
  ASSERT_FALSE(evidence.ok());
  EXPECT_EQ(evidence.status().code(), Code::kInvalidArgument);
  EXPECT_NE(evidence.status().message().find("the host's certificate table"), std::string::npos);
}

TEST_F(ReplayEnclave, SealingWithoutTheDeviceIsRefusedAndSaysWhy) {
  auto e = Open(m_.Table());
  ASSERT_TRUE(e);
  auto sealed = e->Seal(AsBytes("secret"));
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.status().code(), Code::kUnimplemented);
  EXPECT_NE(sealed.status().message().find("SNP_GET_DERIVED_KEY on /dev/sev-guest"), std::string::npos);
}

TEST_F(ReplayEnclave, ATruncatedReplayedReportFailsToOpen) {
  Bytes cut(m_.report.begin(), m_.report.end() - 1);
  auto e = OpenSevEnclaveWith(snp::ReplayReportSource(cut, Bytes(), "cut"), nullptr, "");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cf::attest
