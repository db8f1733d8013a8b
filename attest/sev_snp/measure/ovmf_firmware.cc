// Reads the three footer entries the SEV launch uses; an entry of the wrong size is an error, not a guess.
#include "attest/sev_snp/measure/ovmf_firmware.h"

#include <algorithm>

#include "attest/sev_snp/measure/footer_table.h"
#include "attest/sev_snp/measure/little_endian.h"

namespace cf::attest::snp::measure {
namespace {

constexpr Guid kSevEsResetBlockGuid = GuidFromText("00f771de-1a7e-4fcb-890e-68c77e2fb44e");
constexpr Guid kSevMetadataGuid = GuidFromText("dc886566-984a-4798-a75e-5585a7bf67cc");
constexpr Guid kSevHashTableGuid = GuidFromText("7255371f-3a3b-4b04-927b-1da6efa8d454");

Status BadEntry(const std::string& name, size_t got, size_t want) {
  return Status(Code::kInvalidArgument, "firmware footer entry " + name + " holds " + std::to_string(got) + " bytes, " +
                                            std::to_string(want) + " expected");
}

// The first `want` bytes of an entry's data as little-endian uint32s; entries may carry more.
Result<std::vector<uint32_t>> Words(const Bytes& data, size_t count, const std::string& name) {
  if (data.size() < count * 4) return BadEntry(name, data.size(), count * 4);
  std::vector<uint32_t> words;
  for (size_t i = 0; i < count; ++i) words.push_back(static_cast<uint32_t>(ReadLe(data, i * 4, 4)));
  return words;
}

}  // namespace

Result<OvmfFirmware> OvmfFirmware::Parse(Bytes image) {
  if (image.empty() || image.size() % kPageSize != 0) {
    return Status(Code::kInvalidArgument, "firmware of " + std::to_string(image.size()) +
                                              " bytes is not a whole number of 4 KiB pages (truncated?)");
  }
  if (image.size() > (uint64_t{1} << 32)) {
    return Status(Code::kInvalidArgument, "firmware larger than the 4 GiB it is mapped below");
  }
  CF_ASSIGN_OR_RETURN(auto entries, ReadFooterTable(image));
  OvmfFirmware fw;
  if (auto it = entries.find(kSevEsResetBlockGuid); it != entries.end()) {
    CF_ASSIGN_OR_RETURN(auto words, Words(it->second, 1, "SEV-ES reset block"));
    fw.ap_reset_eip_ = words[0];
  }
  if (auto it = entries.find(kSevHashTableGuid); it != entries.end()) {
    CF_ASSIGN_OR_RETURN(auto words, Words(it->second, 2, "SEV hash table"));
    if (words[0] != 0 && words[1] != 0) fw.hash_table_area_ = HashTableArea{words[0], words[1]};
  }
  if (auto it = entries.find(kSevMetadataGuid); it != entries.end()) {
    CF_ASSIGN_OR_RETURN(auto words, Words(it->second, 1, "SEV metadata"));
    CF_ASSIGN_OR_RETURN(fw.snp_sections_, ReadSnpMetadata(image, words[0]));
  }
  fw.image_ = std::move(image);
  return fw;
}

bool OvmfFirmware::HasSection(SectionType type) const {
  return snp_sections_ && std::any_of(snp_sections_->begin(), snp_sections_->end(),
                                      [type](const MetadataSection& s) { return s.type == type; });
}

}  // namespace cf::attest::snp::measure
