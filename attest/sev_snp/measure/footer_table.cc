// Layout (edk2 OvmfPkg/ResetVector, "OVMF GUIDed structure table"): the table ends 32 bytes before the end of the
// image. Every entry is [data][uint16 size][GUID], size counting data and the 18-byte header, so the table is read
// from its end backwards; the last entry is the footer itself, whose size is the whole table's.
#include "attest/sev_snp/measure/footer_table.h"

#include <algorithm>
#include <sstream>

#include "attest/sev_snp/measure/little_endian.h"

namespace cf::attest::snp::measure {
namespace {

constexpr size_t kHeaderSize = 2 + 16;  // uint16 size, GUID
constexpr size_t kResetVectorArea = 32;

struct EntryHeader {
  size_t size;
  Guid guid;
};

// The header that ends at `end` (exclusive).
EntryHeader HeaderEndingAt(ByteView image, size_t end) {
  EntryHeader h{};
  h.size = ReadLe(image, end - kHeaderSize, 2);
  std::copy_n(image.begin() + static_cast<ptrdiff_t>(end - 16), 16, h.guid.begin());
  return h;
}

Status Bad(size_t offset, const std::string& what) {
  std::ostringstream where;
  where << std::hex << offset;
  return Status(Code::kInvalidArgument, "firmware footer table at offset 0x" + where.str() + ": " + what);
}

}  // namespace

Result<std::map<Guid, Bytes>> ReadFooterTable(ByteView image) {
  if (image.size() < kResetVectorArea + kHeaderSize) {
    return Status(Code::kInvalidArgument,
                  "firmware of " + std::to_string(image.size()) + " bytes is too short to hold OVMF's footer table");
  }
  const size_t footer_end = image.size() - kResetVectorArea;
  EntryHeader footer = HeaderEndingAt(image, footer_end);
  if (footer.guid != kFooterTableGuid) {
    return Status(Code::kInvalidArgument,
                  "no OVMF footer table (GUID 96b582de-1fb2-45f7-baea-a366c55a082d expected 50 bytes before the "
                  "end of the image): not an OVMF build with SEV support, or a truncated file");
  }
  const size_t footer_start = footer_end - kHeaderSize;
  if (footer.size < kHeaderSize || footer.size - kHeaderSize > footer_start) {
    return Bad(footer_start, "footer size " + std::to_string(footer.size) + " runs outside the image");
  }
  const size_t table_start = footer_start - (footer.size - kHeaderSize);
  std::map<Guid, Bytes> entries;
  // Every entry is at least kHeaderSize bytes, so this ends within table size / kHeaderSize steps.
  for (size_t end = footer_start; end > table_start;) {
    if (end - table_start < kHeaderSize) return Bad(end, "a partial entry header");
    EntryHeader h = HeaderEndingAt(image, end);
    if (h.size < kHeaderSize || h.size > end - table_start) {
      return Bad(end - kHeaderSize, "entry size " + std::to_string(h.size) + " runs outside the table");
    }
    const size_t data_start = end - h.size;
    Bytes data(image.begin() + static_cast<ptrdiff_t>(data_start),
               image.begin() + static_cast<ptrdiff_t>(end - kHeaderSize));
    if (!entries.emplace(h.guid, std::move(data)).second) return Bad(data_start, "a GUID appears twice");
    end = data_start;
  }
  return entries;
}

}  // namespace cf::attest::snp::measure
