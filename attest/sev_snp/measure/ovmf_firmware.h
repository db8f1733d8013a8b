// An OVMF image as an SEV launch sees it: its bytes, where they sit in guest memory (ending at 4 GiB), and what
// its footer table says: the SEV-ES AP reset address, the SNP metadata sections, the kernel hashes table's place.
// Missing parts are reported as absent here; the launch digest decides which mode needs which and says so.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "attest/sev_snp/measure/ovmf_metadata.h"
#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp::measure {

inline constexpr uint32_t kPageSize = 4096;

// Where the VMM writes the kernel/initrd/cmdline hashes (footer entry 7255371f-...): a GPA and the room there.
struct HashTableArea {
  uint32_t gpa = 0;
  uint32_t size = 0;
};

class OvmfFirmware {
 public:
  // Fails for an empty image, one that is not whole 4 KiB pages (a truncated copy), one larger than the 4 GiB
  // below which it is mapped, or one without a well-formed footer table.
  static Result<OvmfFirmware> Parse(Bytes image);

  ByteView image() const { return image_; }
  uint64_t gpa() const { return (uint64_t{1} << 32) - image_.size(); }
  // Where application processors start under SEV-ES/SNP (footer entry 00f771de-..., the "SEV-ES reset block").
  const std::optional<uint32_t>& ap_reset_eip() const { return ap_reset_eip_; }
  // Absent when the build has no SNP metadata (footer entry dc886566-...).
  const std::optional<std::vector<MetadataSection>>& snp_sections() const { return snp_sections_; }
  // Absent when the build does not measure a kernel (no entry, or an entry of size 0 as OvmfPkgX64 has).
  const std::optional<HashTableArea>& hash_table_area() const { return hash_table_area_; }
  bool HasSection(SectionType type) const;

 private:
  OvmfFirmware() = default;

  Bytes image_;
  std::optional<uint32_t> ap_reset_eip_;
  std::optional<std::vector<MetadataSection>> snp_sections_;
  std::optional<HashTableArea> hash_table_area_;
};

}  // namespace cf::attest::snp::measure
