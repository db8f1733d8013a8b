// Recorded launch digests of the two OVMF footers in tests/fixtures/sev-snp/measure, through the same entry point
// cf-measure uses (paths and names in, digest out). The expected values are the ones sev-snp-measure's own test
// suite asserts for these exact files (their SHA-256s are pinned below, so a swapped file fails loudly); see the
// fixture README for why the table at its top, recorded from other copies of the footers, cannot match them.
#include "attest/sev_snp/measure/launch_digest.h"

#include <gtest/gtest.h>

#include "attest/sev_snp/measure/measure_request.h"
#include "tests/unit/attest/sev_snp/measure/measure_fixtures.h"

namespace cf::attest::snp::measure {
namespace {

using testing::FixturePath;
using testing::kAmdSev;
using testing::kOvmfX64;

constexpr char kAmdSevPagesHash[] =
    "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74";

struct Vector {
  const char* name;
  const char* mode;
  const char* firmware;
  uint32_t vcpus;
  bool empty_kernel;   // kernel and initrd /dev/null (empty files)
  const char* append;  // with the kernel; nullptr: no --append
  const char* vmm;
  uint64_t features;
  const char* firmware_hash;  // --snp-ovmf-hash, or nullptr
  const char* expected;
};

constexpr char kCmdline[] = "console=ttyS0 loglevel=7";

// SNP under QEMU and EC2; guest features 0x1 (SNPActive) and 0x21 (plus DebugSwap); 1 and 4 vCPUs.
constexpr Vector kSnpVectors[] = {
    {"cmdline", "snp", kAmdSev, 1, true, kCmdline, "qemu", 0x1, nullptr,
     "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa"},
    {"cmdline-debugswap", "snp", kAmdSev, 1, true, kCmdline, "qemu", 0x21, nullptr,
     "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977"},
    {"cmdline-firmware-hash", "snp", kAmdSev, 1, true, kCmdline, "qemu", 0x1, kAmdSevPagesHash,
     "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa"},
    {"empty-cmdline-firmware-hash", "snp", kAmdSev, 1, true, "", "qemu", 0x1, kAmdSevPagesHash,
     "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5"},
    {"empty-cmdline-firmware-hash-debugswap", "snp", kAmdSev, 1, true, "", "qemu", 0x21, kAmdSevPagesHash,
     "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198"},
    {"ec2", "snp", kAmdSev, 1, true, "", "ec2", 0x1, nullptr,
     "7d3756157c805bf6adf617064c8552e8c1688fa1c8756f11cbf56ba5d25c9270fb69c0505c1cbe1c5c66c0e34c6ed3be"},
    {"ec2-debugswap", "snp", kAmdSev, 1, true, "", "ec2", 0x21, nullptr,
     "6ae80856486b1396af8c82a40351d6ed76a20c785e9c7fa4ffa27c22d5d6313b4b3b458cd3c9968e6f89fb5d8450d7a6"},
    {"no-kernel", "snp", kAmdSev, 1, false, nullptr, "qemu", 0x1, nullptr,
     "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d"},
    {"no-kernel-debugswap", "snp", kAmdSev, 1, false, nullptr, "qemu", 0x21, nullptr,
     "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b"},
    {"four-vcpus", "snp", kAmdSev, 4, true, "", "qemu", 0x1, nullptr,
     "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5"},
    {"four-vcpus-debugswap", "snp", kAmdSev, 4, true, "", "qemu", 0x21, nullptr,
     "4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942"},
    {"ovmfx64", "snp", kOvmfX64, 1, false, nullptr, "qemu", 0x1, nullptr,
     "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005"},
    {"ovmfx64-debugswap", "snp", kOvmfX64, 1, false, nullptr, "qemu", 0x21, nullptr,
     "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385"},
};

// SEV-ES and SEV launch digests (GCTX.LD, SHA-256); guest features do not reach them.
constexpr Vector kSevVectors[] = {
    {"sev-es", "sev-es", kAmdSev, 1, true, "", "qemu", 0x1, nullptr,
     "13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c"},
    {"sev-es-four-vcpus", "sev-es", kAmdSev, 4, true, "", "qemu", 0x21, nullptr,
     "0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91"},
    {"sev-cmdline", "sev", kAmdSev, 0, true, kCmdline, "qemu", 0x1, nullptr,
     "82a3ee5d537c3620628270c292ae30cb40c3c878666a7890ee7ef2a08fb535ff"},
    {"sev-kernel-only", "sev", kAmdSev, 0, true, nullptr, "qemu", 0x1, nullptr,
     "77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898"},
    {"sev-ovmfx64", "sev", kOvmfX64, 0, false, nullptr, "qemu", 0x1, nullptr,
     "b4c021e085fb83ceffe6571a3d357b4a98773c83c474e47f76c876708fe316da"},
};

MeasureRequest RequestFor(const Vector& v) {
  MeasureRequest r;
  r.mode = v.mode;
  r.ovmf = FixturePath(v.firmware);
  r.vcpus = v.vcpus;
  if (r.mode != "sev") r.vcpu_type = "EPYC-v4";
  r.vmm_type = v.vmm;
  r.guest_features = v.features;
  if (v.empty_kernel) {
    r.kernel = "/dev/null";
    if (v.append != nullptr) r.initrd = "/dev/null";
  }
  if (v.append != nullptr) r.append = v.append;
  if (v.firmware_hash != nullptr) r.snp_ovmf_hash = v.firmware_hash;
  return r;
}

std::string DigestHex(const MeasureRequest& r) {
  auto d = Measure(r);
  return d.ok() ? HexEncode(*d) : "error: " + d.status().message();
}

TEST(LaunchDigest, FixturesAreTheFilesTheVectorsWereRecordedFrom) {
  auto amd = Sha256(testing::FixtureBytes(kAmdSev));
  auto x64 = Sha256(testing::FixtureBytes(kOvmfX64));
  ASSERT_TRUE(amd.ok() && x64.ok());
  EXPECT_EQ(HexEncode(*amd), "8f765dfabc127fc0a938a0744a3103ec15864d7d794eb4c398aa976b6d6ab16c");
  EXPECT_EQ(HexEncode(*x64), "b4c021e085fb83ceffe6571a3d357b4a98773c83c474e47f76c876708fe316da");
}

TEST(LaunchDigest, SnpVectorsReproduce) {
  for (const Vector& v : kSnpVectors) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(DigestHex(RequestFor(v)), v.expected);
  }
}

TEST(LaunchDigest, SevEsAndSevVectorsReproduce) {
  for (const Vector& v : kSevVectors) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(DigestHex(RequestFor(v)), v.expected);
  }
}

TEST(LaunchDigest, FirmwarePagesHashOfTheAmdSevFooter) {
  auto hash = SnpFirmwareHash(testing::Firmware(kAmdSev));
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(HexEncode(*hash), kAmdSevPagesHash);
}

// The fixture README's last row, which holds for any copy of the standard build's footer.
TEST(LaunchDigest, OvmfX64RefusesAKernelItCannotMeasure) {
  MeasureRequest r = RequestFor(kSnpVectors[0]);
  r.ovmf = FixturePath(kOvmfX64);
  auto d = Measure(r);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
  EXPECT_NE(d.status().message().find("the firmware's SNP metadata has no kernel-hashes section"), std::string::npos)
      << d.status().message();
}

TEST(LaunchDigest, SevRefusesAKernelTheFirmwareCannotMeasure) {
  MeasureRequest r = RequestFor(kSevVectors[2]);
  r.ovmf = FixturePath(kOvmfX64);
  auto d = Measure(r);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("does not measure a kernel"), std::string::npos) << d.status().message();
}

TEST(LaunchDigest, VcpuTypeByFamilyModelSteppingEqualsTheName) {
  MeasureRequest by_name = RequestFor(kSnpVectors[9]);  // four vCPUs: the signature is in every VMSA
  MeasureRequest by_numbers = by_name;
  by_numbers.vcpu_type.clear();
  by_numbers.vcpu_model = CpuModel{23, 1, 2};
  EXPECT_EQ(DigestHex(by_numbers), kSnpVectors[9].expected);
  by_numbers.vcpu_model = CpuModel{25, 1, 1};  // Milan: another signature, another digest
  EXPECT_NE(DigestHex(by_numbers), kSnpVectors[9].expected);
}

TEST(LaunchDigest, Ec2NeedsNoVcpuType) {
  MeasureRequest r = RequestFor(kSnpVectors[5]);
  r.vcpu_type.clear();
  EXPECT_EQ(DigestHex(r), kSnpVectors[5].expected);
}

}  // namespace
}  // namespace cf::attest::snp::measure
