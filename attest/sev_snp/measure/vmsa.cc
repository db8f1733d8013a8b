// The VMSA layout is AMD's "State Save Area for SEV-ES" (AMD64 APM vol. 2, appendix B, table B-4; Linux's
// struct sev_es_save_area). Only the fields a VMM sets at reset are listed; everything else is zero. The values
// are x86's reset state (APM vol. 2, 14.1.3) as KVM writes it, with the VMM's own differences.
#include "attest/sev_snp/measure/vmsa.h"

#include "attest/sev_snp/measure/little_endian.h"

namespace cf::attest::snp::measure {
namespace {

constexpr size_t kPageSize = 4096;

// A segment register in the VMSA: selector u16 at +0, attributes u16 at +2 (the descriptor's type/S/DPL/P in bits
// 7:0 and AVL/L/D/G in 11:8), limit u32 at +4, base u64 at +8.
struct Segment {
  uint16_t selector = 0;
  uint16_t attrib = 0;
  uint32_t limit = 0;
  uint64_t base = 0;
};

// Segment register offsets.
enum SegmentAt : uint16_t {
  kEs = 0x000,
  kCs = 0x010,
  kSs = 0x020,
  kDs = 0x030,
  kFs = 0x040,
  kGs = 0x050,
  kGdtr = 0x060,
  kLdtr = 0x070,
  kIdtr = 0x080,
  kTr = 0x090,
};

// A scalar field: offset and width in bytes.
struct Field {
  uint16_t offset;
  uint8_t width;
};

constexpr Field kEfer{0x0D0, 8};
constexpr Field kCr4{0x148, 8};
constexpr Field kCr0{0x158, 8};
constexpr Field kDr7{0x160, 8};
constexpr Field kDr6{0x168, 8};
constexpr Field kRflags{0x170, 8};
constexpr Field kRip{0x178, 8};
constexpr Field kGPat{0x268, 8};
constexpr Field kRdx{0x310, 8};
constexpr Field kSevFeatures{0x3B0, 8};
constexpr Field kXcr0{0x3E8, 8};
constexpr Field kMxcsr{0x408, 4};
constexpr Field kX87Fcw{0x410, 2};

// Reset values (APM vol. 2, table 14-1) as KVM sets them.
constexpr uint64_t kEferSvme = 0x1000;  // KVM runs the guest with EFER.SVME
constexpr uint64_t kCr4Mce = 0x40;      // KVM sets CR4.MCE
constexpr uint64_t kCr0Et = 0x10;       // CR0.ET, caching enabled, protection off
constexpr uint64_t kDr7Reset = 0x400;
constexpr uint64_t kDr6Reset = 0xFFFF0FF0;
constexpr uint64_t kRflagsReset = 0x2;  // bit 1 is always set
constexpr uint64_t kPatReset = 0x0007040600070406;
constexpr uint64_t kXcr0Reset = 0x1;      // x87 state only
constexpr uint64_t kMxcsrReset = 0x1F80;  // all SSE exceptions masked
constexpr uint64_t kFcwReset = 0x37F;     // x87 exceptions masked, extended precision

// Present, accessed, read/write data (0x93); execute/read code (0x9B); LDT (0x82); busy 32-bit TSS (0x8B).
constexpr uint16_t kDataAttr = 0x93;
constexpr uint16_t kCodeAttr = 0x9B;
constexpr uint16_t kLdtAttr = 0x82;
constexpr uint16_t kTssAttr = 0x8B;

// Where QEMU/KVM and EC2 differ. EC2 leaves the accessed bit clear in SS and in the boot CPU's CS, reports a
// 16-bit busy TSS (0x83), and does not place the CPUID signature, MXCSR or FCW in the VMSA.
struct VmmResetState {
  uint16_t cs_attrib;
  uint16_t ss_attrib;
  uint16_t tr_attrib;
  bool signature_in_rdx;
  bool fpu_control_words;
};

VmmResetState ResetStateOf(Vmm vmm, uint32_t eip) {
  if (vmm == Vmm::kEc2) {
    const uint16_t cs = eip == kBootCpuResetEip ? kCodeAttr & ~uint16_t{1} : kCodeAttr;
    return {cs, kDataAttr & ~uint16_t{1}, 0x83, false, false};
  }
  return {kCodeAttr, kDataAttr, kTssAttr, true, true};
}

void Put(Bytes& page, Field f, uint64_t value) { WriteLe(&page[f.offset], value, f.width); }

void Put(Bytes& page, SegmentAt at, const Segment& s) {
  WriteLe(&page[at], s.selector, 2);
  WriteLe(&page[at + 2], s.attrib, 2);
  WriteLe(&page[at + 4], s.limit, 4);
  WriteLe(&page[at + 8], s.base, 8);
}

}  // namespace

Bytes BuildVmsaPage(const VmsaInputs& in, uint32_t eip) {
  const VmmResetState vmm = ResetStateOf(in.vmm, eip);
  Bytes page(kPageSize, 0);
  // Real mode: CS selector 0xF000 with its base the reset address's upper half, IP its lower half.
  Put(page, kCs, Segment{0xF000, vmm.cs_attrib, 0xFFFF, eip & 0xFFFF0000u});
  Put(page, kRip, eip & 0xFFFFu);
  Put(page, kSs, Segment{0, vmm.ss_attrib, 0xFFFF, 0});
  for (SegmentAt data : {kEs, kDs, kFs, kGs}) Put(page, data, Segment{0, kDataAttr, 0xFFFF, 0});
  Put(page, kGdtr, Segment{0, 0, 0xFFFF, 0});
  Put(page, kIdtr, Segment{0, 0, 0xFFFF, 0});
  Put(page, kLdtr, Segment{0, kLdtAttr, 0xFFFF, 0});
  Put(page, kTr, Segment{0, vmm.tr_attrib, 0xFFFF, 0});
  Put(page, kEfer, kEferSvme);
  Put(page, kCr4, kCr4Mce);
  Put(page, kCr0, kCr0Et);
  Put(page, kDr7, kDr7Reset);
  Put(page, kDr6, kDr6Reset);
  Put(page, kRflags, kRflagsReset);
  Put(page, kGPat, kPatReset);
  Put(page, kXcr0, kXcr0Reset);
  Put(page, kSevFeatures, in.sev_features);
  if (vmm.signature_in_rdx) Put(page, kRdx, in.cpuid_signature);
  if (vmm.fpu_control_words) {
    Put(page, kMxcsr, kMxcsrReset);
    Put(page, kX87Fcw, kFcwReset);
  }
  return page;
}

std::vector<Bytes> BuildVmsaPages(const VmsaInputs& in, uint32_t vcpus) {
  std::vector<Bytes> pages;
  pages.reserve(vcpus);
  for (uint32_t i = 0; i < vcpus; ++i) pages.push_back(BuildVmsaPage(in, i == 0 ? kBootCpuResetEip : in.ap_reset_eip));
  return pages;
}

}  // namespace cf::attest::snp::measure
