// The VMSA pages field by field at AMD's offsets, the CPUID signatures of QEMU's EPYC models, and the kernel
// hashes table's layout: the pieces the recorded digests depend on, pinned one by one so a break is located.
#include "attest/sev_snp/measure/vmsa.h"

#include <gtest/gtest.h>

#include "attest/sev_snp/measure/kernel_hashes.h"
#include "attest/sev_snp/measure/little_endian.h"
#include "attest/sev_snp/measure/vcpu_types.h"

namespace cf::attest::snp::measure {
namespace {

uint32_t Signature(const char* name) {
  auto cpu = CpuModelByName(name);
  EXPECT_TRUE(cpu.ok()) << name;
  auto sig = CpuidSignature(cpu.ok() ? *cpu : CpuModel{});
  EXPECT_TRUE(sig.ok());
  return sig.ok() ? *sig : 0;
}

TEST(VcpuTypes, SignaturesOfQemuEpycModels) {
  EXPECT_EQ(Signature("EPYC-v4"), 0x00800F12u);
  EXPECT_EQ(Signature("epyc"), 0x00800F12u);
  EXPECT_EQ(Signature("EPYC-Rome"), 0x00830F10u);
  EXPECT_EQ(Signature("EPYC-Milan"), 0x00A00F11u);
  EXPECT_EQ(Signature("EPYC-Genoa"), 0x00A10F10u);
  EXPECT_EQ(Signature("EPYC-Turin"), 0x00B00F00u);
}

TEST(VcpuTypes, RefusesValuesCpuidCannotHold) {
  EXPECT_FALSE(CpuidSignature(CpuModel{25, 1, 16}).ok());
  EXPECT_FALSE(CpuidSignature(CpuModel{25, 256, 0}).ok());
  EXPECT_FALSE(VmmByName("kvmtool").ok());
}

uint64_t At(const Bytes& page, size_t offset, size_t width) { return ReadLe(page, offset, width); }

TEST(Vmsa, QemuBootCpuStartsAtTheResetVectorWithTheSignatureInRdx) {
  VmsaInputs in{Vmm::kQemu, 0x00A00F11, 0x1, 0x80B004};
  Bytes page = BuildVmsaPage(in, kBootCpuResetEip);
  ASSERT_EQ(page.size(), 4096u);
  EXPECT_EQ(At(page, 0x010, 2), 0xF000u);              // CS selector
  EXPECT_EQ(At(page, 0x012, 2), 0x9Bu);                // CS attributes
  EXPECT_EQ(At(page, 0x018, 8), 0xFFFF0000u);          // CS base
  EXPECT_EQ(At(page, 0x178, 8), 0xFFF0u);              // RIP
  EXPECT_EQ(At(page, 0x310, 8), 0x00A00F11u);          // RDX
  EXPECT_EQ(At(page, 0x3B0, 8), 0x1u);                 // SEV_FEATURES
  EXPECT_EQ(At(page, 0x268, 8), 0x0007040600070406u);  // G_PAT
  EXPECT_EQ(At(page, 0x408, 4), 0x1F80u);              // MXCSR
  EXPECT_EQ(At(page, 0x410, 2), 0x37Fu);               // x87 FCW
  EXPECT_EQ(At(page, 0x092, 2), 0x8Bu);                // TR attributes
}

TEST(Vmsa, ApsStartAtTheFirmwaresResetBlock) {
  VmsaInputs in{Vmm::kQemu, 0x00800F12, 0x1, 0x80B004};
  auto pages = BuildVmsaPages(in, 3);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(At(pages[0], 0x178, 8), 0xFFF0u);
  EXPECT_EQ(At(pages[1], 0x018, 8), 0x800000u);  // CS base: the reset block's upper half
  EXPECT_EQ(At(pages[1], 0x178, 8), 0xB004u);    // RIP: its lower half
  EXPECT_EQ(pages[1], pages[2]);
}

TEST(Vmsa, Ec2LeavesRdxAndFpuControlWordsZero) {
  VmsaInputs in{Vmm::kEc2, 0x00800F12, 0x1, 0x80B004};
  Bytes boot = BuildVmsaPage(in, kBootCpuResetEip);
  EXPECT_EQ(At(boot, 0x310, 8), 0u);
  EXPECT_EQ(At(boot, 0x408, 4), 0u);
  EXPECT_EQ(At(boot, 0x012, 2), 0x9Au);
  EXPECT_EQ(At(boot, 0x022, 2), 0x92u);
  EXPECT_EQ(At(boot, 0x092, 2), 0x83u);
  EXPECT_EQ(At(BuildVmsaPage(in, 0x80B004), 0x012, 2), 0x9Bu);
}

TEST(KernelHashes, TableIsCmdlineInitrdKernelPaddedToSixteen) {
  KernelHashes h;
  h.cmdline.fill(0xC1);
  h.initrd.fill(0x1D);
  h.kernel.fill(0xCE);
  Bytes t = BuildHashTable(h);
  ASSERT_EQ(t.size(), 176u);
  EXPECT_EQ(ReadLe(t, 16, 2), 168u);      // length without padding
  EXPECT_EQ(ReadLe(t, 18 + 16, 2), 50u);  // first entry's length
  EXPECT_EQ(t[18 + 18], 0xC1);            // cmdline first
  EXPECT_EQ(t[18 + 50 + 18], 0x1D);       // then initrd
  EXPECT_EQ(t[18 + 100 + 18], 0xCE);      // then kernel
  EXPECT_EQ(t[175], 0);
  auto page = BuildHashTablePage(h, 0xC00);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(std::equal(t.begin(), t.end(), page->begin() + 0xC00));
  EXPECT_FALSE(BuildHashTablePage(h, 4000).ok());
}

TEST(KernelHashes, CommandLineIsHashedWithItsNul) {
  auto h = HashKernelInputs("/dev/null", "", "");
  ASSERT_TRUE(h.ok());
  // SHA-256 of the single byte 0x00, and of the empty string for the absent initrd.
  EXPECT_EQ(HexEncode(h->cmdline), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(HexEncode(h->initrd), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_FALSE(HashKernelInputs("/nonexistent/vmlinuz", "", "").ok());
}

}  // namespace
}  // namespace cf::attest::snp::measure
