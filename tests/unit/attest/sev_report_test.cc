// SNP report parsing against the genuine Milan report: every field the fixture README states, read at the AMD
// ABI offsets.
#include <gtest/gtest.h>
#include <unistd.h>

#include "attest/sev_snp/report.h"
#include "attest/sev_snp/sev_enclave.h"
#include "common/atomic_file.h"

namespace cf::attest::snp {
namespace {

Bytes Fixture(const std::string& name) {
  auto b = ReadFile(std::string(CF_SEV_FIXTURES) + "/" + name);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? *b : Bytes();
}

TEST(SevReport, ParsesGenuineMilanReportFields) {
  Bytes raw = Fixture("milan/report.bin");
  ASSERT_EQ(raw.size(), kReportSize);
  auto r = ParseReport(raw);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 2u);
  EXPECT_EQ(r->guest_svn, 0u);
  EXPECT_EQ(r->policy, 0x30000u);
  EXPECT_TRUE(r->smt_allowed());
  EXPECT_FALSE(r->debug_allowed());
  EXPECT_FALSE(r->migrate_ma_allowed());
  EXPECT_FALSE(r->single_socket_required());
  EXPECT_EQ(r->vmpl, 0u);
  EXPECT_EQ(r->signature_algo, 1u);
  EXPECT_EQ(r->current_tcb.raw, 0x7308000000000003ull);
  EXPECT_EQ(r->reported_tcb.raw, 0x7308000000000003ull);
  EXPECT_EQ(r->committed_tcb.raw, 0x7308000000000003ull);
  EXPECT_EQ(r->reported_tcb.bootloader(), 3);
  EXPECT_EQ(r->reported_tcb.snp(), 8);
  EXPECT_EQ(r->reported_tcb.microcode(), 0x73);
  EXPECT_EQ(r->platform_info, 1u);
  EXPECT_EQ(r->current_major, 1);
  EXPECT_EQ(r->current_minor, 52);
  EXPECT_EQ(r->current_build, 4);
  EXPECT_EQ(HexEncode(ByteView(r->measurement.data(), 48)),
            "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f");
  EXPECT_EQ(HexEncode(ByteView(r->report_data.data(), 64)),
            "d447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c645810b0f2cdfca0040433be063fc1a8293f0"
            "f3f8dae7b79fecb3d1cd82bd6a93ebfd");
  EXPECT_EQ(HexEncode(ByteView(r->chip_id.data(), 16)), "d49554ec717f4e5b0fe6b143bcf0405b");
  for (uint8_t b : r->host_data) EXPECT_EQ(b, 0);
}

TEST(SevReport, RefusesWrongSizes) {
  Bytes raw = Fixture("milan/report.bin");
  EXPECT_EQ(ParseReport(ByteView(raw.data(), raw.size() - 1)).status().code(), Code::kInvalidArgument);
  raw.push_back(0);
  EXPECT_EQ(ParseReport(raw).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseReport(ByteView()).status().code(), Code::kInvalidArgument);
}

TEST(SevReport, DescribesEveryField) {
  auto r = ParseReport(Fixture("milan/report.bin"));
  ASSERT_TRUE(r.ok());
  std::string text = DescribeReport(*r);
  for (const char* field : {"version: 2",
                            "guest_svn:",
                            "policy: 0x30000",
                            "family_id:",
                            "image_id:",
                            "vmpl: 0",
                            "signature_algo: 1",
                            "current_tcb:",
                            "platform_info:",
                            "report_data:",
                            "measurement: 7a1e",
                            "host_data:",
                            "id_key_digest:",
                            "author_key_digest:",
                            "report_id:",
                            "report_id_ma:",
                            "reported_tcb: 0x7308000000000003",
                            "chip_id: d49554ec",
                            "committed_tcb:",
                            "current_version: 1.52 build 4",
                            "launch_tcb:",
                            "signature_r:",
                            "signature_s:"}) {
    EXPECT_NE(text.find(field), std::string::npos) << field;
  }
}

TEST(SevEnclave, WithoutSevGuestInterfacesItIsUnimplementedAndSaysSo) {
  if (access("/dev/sev-guest", F_OK) == 0 || access("/sys/kernel/config/tsm/report", F_OK) == 0) {
    GTEST_SKIP() << "this machine has an SNP guest interface";
  }
  EnclaveOptions o;
  o.type = kSevEnclave;
  o.directory = "/nonexistent";
  auto e = OpenSevEnclave(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kUnimplemented);
  EXPECT_NE(e.status().message().find(
                "not running in an SEV-SNP guest: neither /sys/kernel/config/tsm/report nor /dev/sev-guest exists"),
            std::string::npos)
      << e.status().message();
  // The factory routes the SEV type to the same backend.
  EXPECT_EQ(OpenEnclave(o).status().code(), Code::kUnimplemented);
}

}  // namespace
}  // namespace cf::attest::snp
