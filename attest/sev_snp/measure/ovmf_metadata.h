// OVMF's SEV metadata (edk2 OvmfPkg/ResetVector, "SEV metadata", signature "ASEV"): the guest memory ranges an
// SNP launch must prepare before the first instruction runs, each with what the VMM puts there. Parsing only; how
// each section is measured is launch_digest.cc's business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp::measure {

// The section types edk2 defines. A type not listed here is refused when parsing: measuring it some guessed way
// would give a digest no real launch produces.
enum class SectionType : uint32_t {
  kSnpSecMem = 1,           // pre-validated memory the VMM zero-fills
  kSnpSecrets = 2,          // the SNP secrets page the PSP fills
  kCpuid = 3,               // the CPUID page the PSP checks
  kSvsmCaa = 4,             // the SVSM calling area (zero pages)
  kSnpKernelHashes = 0x10,  // where the VMM puts the kernel/initrd/cmdline hash table
};

std::string SectionTypeName(SectionType type);

struct MetadataSection {
  uint32_t gpa = 0;
  uint32_t size = 0;  // bytes; a whole number of 4 KiB pages
  SectionType type = SectionType::kSnpSecMem;
};

// The sections, in the firmware's order (which is the measurement order). `offset_from_end` is the footer entry's
// value. Fails when the header is not at that offset, lies, or a section is unaligned or of an unknown type.
Result<std::vector<MetadataSection>> ReadSnpMetadata(ByteView image, uint32_t offset_from_end);

}  // namespace cf::attest::snp::measure
