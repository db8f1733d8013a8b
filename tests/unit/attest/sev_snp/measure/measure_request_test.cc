// Requests that cannot be measured exactly, refused by the library itself (cf-measure's exit codes are tested in
// cf_measure_tool_test.cc): inconsistent flags, unreadable inputs, firmware that lacks what the launch needs.
#include "attest/sev_snp/measure/measure_request.h"

#include <gtest/gtest.h>

#include "attest/sev_snp/measure/launch_digest.h"
#include "tests/unit/attest/sev_snp/measure/measure_fixtures.h"

namespace cf::attest::snp::measure {
namespace {

MeasureRequest AmdSev(uint32_t vcpus = 1) {
  MeasureRequest r;
  r.ovmf = testing::FixturePath(testing::kAmdSev);
  r.vcpus = vcpus;
  r.vcpu_type = "EPYC-v4";
  return r;
}

void ExpectRefused(const MeasureRequest& r, const std::string& reason) {
  auto d = Measure(r);
  ASSERT_FALSE(d.ok()) << "measured " << HexEncode(*d);
  EXPECT_NE(d.status().message().find(reason), std::string::npos) << d.status().message();
}

TEST(MeasureRequest, RefusesAnUnknownMode) {
  MeasureRequest r = AmdSev();
  r.mode = "tdx";
  ExpectRefused(r, "unknown mode 'tdx'");
}

TEST(MeasureRequest, RefusesADirectoryAsKernel) {
  MeasureRequest r = AmdSev();
  r.kernel = ::testing::TempDir();
  ExpectRefused(r, "is a directory");
}

TEST(MeasureRequest, RefusesAMissingInitrd) {
  MeasureRequest r = AmdSev();
  r.kernel = "/dev/null";
  r.initrd = "/nonexistent/initrd.img";
  ExpectRefused(r, "/nonexistent/initrd.img");
}

TEST(MeasureRequest, RefusesVcpuTypeTogetherWithFamilyModelStepping) {
  MeasureRequest r = AmdSev();
  r.vcpu_model = CpuModel{25, 1, 1};
  ExpectRefused(r, "not both");
}

TEST(MeasureRequest, RefusesAFirmwareHashOutsideSnp) {
  MeasureRequest r = AmdSev();
  r.mode = "sev-es";
  r.snp_ovmf_hash = std::string(96, 'a');
  ExpectRefused(r, "--mode snp only");
}

TEST(MeasureRequest, RefusesSnpGuestFeaturesWithoutSnpActive) {
  MeasureRequest r = AmdSev();
  r.guest_features = 0x20;
  ExpectRefused(r, "SNPActive");
}

TEST(MeasureRequest, RefusesAbsurdVcpuCounts) { ExpectRefused(AmdSev(kMaxVcpus + 1), "outside 1.."); }

TEST(MeasureRequest, ApsNeedTheResetBlockOneVcpuDoesNot) {
  // Break the SEV-ES reset block entry's GUID (its header ends at 0xFCE).
  testing::TempFirmware firmware("no-reset-block", testing::PatchedAmdSev({{0xFBE, 0x00}}));
  MeasureRequest r = AmdSev(4);
  r.ovmf = firmware.path();
  ExpectRefused(r, "no SEV-ES reset block");
  r.vcpus = 1;
  EXPECT_TRUE(Measure(r).ok());
}

// The SEV hash table entry's data is GPA 0x810C00 at 0xF84, size 0x400 at 0xF88.
TEST(MeasureRequest, KernelNeedsAHashTableAreaThatHoldsTheTable) {
  MeasureRequest r = AmdSev();
  r.kernel = "/dev/null";
  testing::TempFirmware no_area("no-hash-area", testing::PatchedAmdSev({{0xF89, 0x00}}));  // size 0
  r.ovmf = no_area.path();
  ExpectRefused(r, "no SEV hash table");
  testing::TempFirmware tiny("tiny-hash-area", testing::PatchedAmdSev({{0xF88, 0x10}, {0xF89, 0x00}}));  // 16 bytes
  r.ovmf = tiny.path();
  ExpectRefused(r, "cannot hold the kernel hashes table");
}

// The CPUID section is the fourth (sections start at 0xAAC + 16): its size is at 0xAE4, 0x1000 little-endian.
TEST(MeasureRequest, RefusesACpuidSectionOfMoreThanOnePage) {
  testing::TempFirmware firmware("big-cpuid", testing::PatchedAmdSev({{0xAE5, 0x20}}));  // 0x1000 -> 0x2000
  MeasureRequest r = AmdSev();
  r.ovmf = firmware.path();
  ExpectRefused(r, "CPUID section holds 8192 bytes");
}

}  // namespace
}  // namespace cf::attest::snp::measure
