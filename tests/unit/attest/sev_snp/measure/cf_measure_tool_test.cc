// cf-measure run as a child process, the way a policy author meets it: the digest alone on stdout, and for every
// input it cannot measure exactly a one-line reason on stderr, nothing on stdout, and a non-zero exit.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/unit/attest/sev_snp/measure/measure_fixtures.h"

namespace cf::attest::snp::measure {
namespace {

using testing::FixtureBytes;
using testing::FixturePath;

struct ToolRun {
  int exit_code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/cf-measure-" + std::to_string(getpid()) + "-" + name;
}

ToolRun CfMeasure(const std::string& args) {
  const std::string base = TempPath("run");
  const std::string cmd = std::string(CF_MEASURE_BIN) + " " + args + " >" + base + ".out 2>" + base + ".err";
  const int status = std::system(cmd.c_str());
  ToolRun r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = Slurp(base + ".out");
  r.err = Slurp(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

// A firmware file made from the AmdSev footer by `edit`, for the test's lifetime.
template <typename Edit>
testing::TempFirmware EditedFirmware(const std::string& name, Edit edit) {
  Bytes image = FixtureBytes(testing::kAmdSev);
  edit(image);
  return testing::TempFirmware(name, image);
}

const std::string kAmdSevArgs = "--ovmf " + FixturePath(testing::kAmdSev) + " --vcpus 1 --vcpu-type EPYC-v4";
const std::string kX64Args = "--ovmf " + FixturePath(testing::kOvmfX64) + " --vcpus 1 --vcpu-type EPYC-v4";

void ExpectRefused(const ToolRun& r, const std::string& reason) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "") << "a refused input must print no digest";
  EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(CfMeasure, PrintsTheRecordedDigestInHex) {
  ToolRun r = CfMeasure(kX64Args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005\n");
  EXPECT_EQ(r.err, "");
}

TEST(CfMeasure, RawOutputIsTheFortyEightDigestBytes) {
  ToolRun r = CfMeasure(kX64Args + " --output-format raw");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(HexEncode(AsBytes(r.out)),
            "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005");
}

TEST(CfMeasure, PrintsTheFirmwarePagesHashForALaterRun) {
  ToolRun hash = CfMeasure("--ovmf " + FixturePath(testing::kAmdSev) + " --print-snp-ovmf-hash");
  EXPECT_EQ(hash.exit_code, 0) << hash.err;
  EXPECT_EQ(hash.out,
            "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74\n");
  hash.out.pop_back();
  ToolRun with_hash = CfMeasure(kAmdSevArgs + " --snp-ovmf-hash " + hash.out);
  ToolRun without = CfMeasure(kAmdSevArgs);
  EXPECT_EQ(with_hash.exit_code, 0) << with_hash.err;
  EXPECT_EQ(with_hash.out, without.out);
}

TEST(CfMeasure, HelpShowsExamples) {
  ToolRun r = CfMeasure("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos);
  EXPECT_NE(r.out.find("--snp-ovmf-hash"), std::string::npos);
}

TEST(CfMeasure, RefusesAMissingFirmwareFile) {
  ExpectRefused(CfMeasure("--ovmf /nonexistent/OVMF.fd --vcpus 1 --vcpu-type EPYC"), "/nonexistent/OVMF.fd");
}

TEST(CfMeasure, RefusesToRunWithoutFirmware) {
  ToolRun r = CfMeasure("--vcpus 1 --vcpu-type EPYC");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--ovmf"), std::string::npos) << r.err;
}

TEST(CfMeasure, RefusesATruncatedFirmware) {
  const auto firmware = EditedFirmware("truncated", [](Bytes& b) { b.resize(3000); });
  ExpectRefused(CfMeasure("--ovmf " + firmware.path() + " --vcpus 1 --vcpu-type EPYC"),
                "not a whole number of 4 KiB pages");
}

TEST(CfMeasure, RefusesAFirmwareWithoutFooterTable) {
  const auto firmware = EditedFirmware("no-footer", [](Bytes& b) { std::fill(b.end() - 64, b.end(), 0); });
  ExpectRefused(CfMeasure("--ovmf " + firmware.path() + " --vcpus 1 --vcpu-type EPYC"), "no OVMF footer table");
}

TEST(CfMeasure, RefusesAFirmwareWithoutSnpMetadata) {
  // Change the metadata entry's GUID (dc886566-..., its header at 0xF72) so the table no longer names it.
  const auto firmware = EditedFirmware("no-metadata", [](Bytes& b) { b[0xF74] ^= 0xFF; });
  ExpectRefused(CfMeasure("--ovmf " + firmware.path() + " --vcpus 1 --vcpu-type EPYC"), "no SNP metadata");
}

TEST(CfMeasure, RefusesAKernelTheFirmwareDoesNotMeasure) {
  ExpectRefused(CfMeasure(kX64Args + " --kernel /dev/null"),
                "the firmware's SNP metadata has no kernel-hashes section");
}

TEST(CfMeasure, RefusesInitrdWithoutKernel) {
  ExpectRefused(CfMeasure(kAmdSevArgs + " --initrd /dev/null"), "--initrd needs --kernel");
}

TEST(CfMeasure, RefusesAppendWithoutKernel) {
  ExpectRefused(CfMeasure(kAmdSevArgs + " --append ''"), "--append needs --kernel");
}

TEST(CfMeasure, RefusesAnUnknownVcpuType) {
  ExpectRefused(CfMeasure("--ovmf " + FixturePath(testing::kAmdSev) + " --vcpus 1 --vcpu-type EPYC-Nope"),
                "unknown vCPU type 'EPYC-Nope'");
}

TEST(CfMeasure, RefusesAnUnknownVmmType) {
  ExpectRefused(CfMeasure(kAmdSevArgs + " --vmm-type firecracker"), "unknown VMM type 'firecracker'");
}

TEST(CfMeasure, RefusesZeroVcpus) {
  ExpectRefused(CfMeasure("--ovmf " + FixturePath(testing::kAmdSev) + " --vcpus 0 --vcpu-type EPYC"),
                "--vcpus must be at least 1");
}

TEST(CfMeasure, RefusesQemuSnpWithoutVcpuType) {
  ExpectRefused(CfMeasure("--ovmf " + FixturePath(testing::kAmdSev) + " --vcpus 1"), "--vcpu-type");
}

TEST(CfMeasure, RefusesAMalformedFirmwareHash) {
  ExpectRefused(CfMeasure(kAmdSevArgs + " --snp-ovmf-hash abcd"), "96 hex digits");
}

}  // namespace
}  // namespace cf::attest::snp::measure
