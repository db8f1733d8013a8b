// Layout: "ASEV" (uint32), uint32 total length, uint32 version (1), uint32 section count, then per section
// uint32 GPA, uint32 size, uint32 type; all little-endian, located offset_from_end bytes before the image's end.
#include "attest/sev_snp/measure/ovmf_metadata.h"

#include <sstream>

#include "attest/sev_snp/measure/little_endian.h"

namespace cf::attest::snp::measure {
namespace {

constexpr size_t kHeaderSize = 16;
constexpr size_t kSectionSize = 12;
constexpr uint32_t kSignature = 0x56455341;  // "ASEV" read as a little-endian uint32
constexpr uint32_t kPageSize = 4096;
// edk2 lists fewer than ten; a larger count is a corrupt header, not a firmware to measure.
constexpr uint32_t kMaxSections = 64;

std::string Hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

Status Bad(const std::string& what) { return Status(Code::kInvalidArgument, "firmware SNP metadata: " + what); }

bool KnownType(uint32_t t) {
  switch (static_cast<SectionType>(t)) {
    case SectionType::kSnpSecMem:
    case SectionType::kSnpSecrets:
    case SectionType::kCpuid:
    case SectionType::kSvsmCaa:
    case SectionType::kSnpKernelHashes:
      return true;
  }
  return false;
}

Result<MetadataSection> ReadSection(ByteView image, size_t at, uint32_t index) {
  MetadataSection s;
  s.gpa = static_cast<uint32_t>(ReadLe(image, at, 4));
  s.size = static_cast<uint32_t>(ReadLe(image, at + 4, 4));
  const uint32_t type = static_cast<uint32_t>(ReadLe(image, at + 8, 4));
  const std::string name = "section " + std::to_string(index) + " (GPA " + Hex(s.gpa) + ")";
  if (!KnownType(type)) return Bad(name + " has unknown type " + Hex(type));
  s.type = static_cast<SectionType>(type);
  if (s.gpa % kPageSize != 0 || s.size % kPageSize != 0 || s.size == 0) {
    return Bad(name + " of size " + Hex(s.size) + " is not whole 4 KiB pages");
  }
  if (uint64_t{s.gpa} + s.size > (uint64_t{1} << 32)) return Bad(name + " runs past 4 GiB");
  return s;
}

}  // namespace

std::string SectionTypeName(SectionType type) {
  switch (type) {
    case SectionType::kSnpSecMem:
      return "SNP_SEC_MEM";
    case SectionType::kSnpSecrets:
      return "SNP_SECRETS";
    case SectionType::kCpuid:
      return "CPUID";
    case SectionType::kSvsmCaa:
      return "SVSM_CAA";
    case SectionType::kSnpKernelHashes:
      return "SNP_KERNEL_HASHES";
  }
  return "type " + Hex(static_cast<uint32_t>(type));
}

Result<std::vector<MetadataSection>> ReadSnpMetadata(ByteView image, uint32_t offset_from_end) {
  if (offset_from_end > image.size() || offset_from_end < kHeaderSize) {
    return Bad("offset " + Hex(offset_from_end) + " from the end lies outside the " + std::to_string(image.size()) +
               "-byte image");
  }
  const size_t start = image.size() - offset_from_end;
  if (ReadLe(image, start, 4) != kSignature) return Bad("no \"ASEV\" signature at offset " + Hex(start));
  const uint64_t length = ReadLe(image, start + 4, 4);
  const uint64_t version = ReadLe(image, start + 8, 4);
  const uint64_t count = ReadLe(image, start + 12, 4);
  if (version != 1) return Bad("version " + std::to_string(version) + " (only 1 is known)");
  if (count > kMaxSections || length != kHeaderSize + count * kSectionSize || length > offset_from_end) {
    return Bad("header says " + std::to_string(count) + " sections in " + std::to_string(length) +
               " bytes, which does not fit");
  }
  std::vector<MetadataSection> sections;
  for (uint32_t i = 0; i < count; ++i) {
    CF_ASSIGN_OR_RETURN(MetadataSection s, ReadSection(image, start + kHeaderSize + i * kSectionSize, i));
    sections.push_back(s);
  }
  return sections;
}

}  // namespace cf::attest::snp::measure
