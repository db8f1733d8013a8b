// Certificate table parsing: two passes (find the terminator, then check every entry against the table's bounds
// and against each other) in 64-bit arithmetic, so no offset or length from the host can wrap or alias.
#include "attest/sev_snp/cert_table.h"

#include <algorithm>
#include <cstdio>

namespace cf::attest::snp {
namespace {

uint32_t Le32(ByteView b, size_t at) {
  return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 | uint32_t{b[at + 3]} << 24;
}

void PutLe32(Bytes* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

bool IsZero(ByteView b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}

Status Bad(const std::string& what) { return Status(Code::kInvalidArgument, "SNP certificate table: " + what); }

}  // namespace

std::string GuidText(const Guid& g) {
  char s[37];
  snprintf(s, sizeof(s), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[0], g[1], g[2], g[3],
           g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
  return s;
}

std::string GuidName(const Guid& g) {
  if (g == kVcekGuid) return "VCEK";
  if (g == kAskGuid) return "ASK";
  if (g == kArkGuid) return "ARK";
  if (g == kVlekGuid) return "VLEK";
  return GuidText(g);
}

Result<std::vector<CertTableEntry>> ParseCertTable(ByteView table) {
  std::vector<CertTableEntry> out;
  if (table.empty()) return out;
  if (table.size() > kMaxCertTableSize) {
    return Bad(std::to_string(table.size()) + " bytes is above the cap of " + std::to_string(kMaxCertTableSize));
  }
  // Pass 1: the entry list ends at the first entry whose GUID is zero.
  size_t count = 0;
  for (;; ++count) {
    size_t at = count * kCertTableEntrySize;
    if (at + kCertTableEntrySize > table.size()) {
      return Bad("no terminating zero entry: entry " + std::to_string(count) + " at byte " + std::to_string(at) +
                 " runs past the end of the " + std::to_string(table.size()) + "-byte table");
    }
    if (IsZero(table.subspan(at, 16))) {
      if (!IsZero(table.subspan(at + 16, 8))) {
        return Bad("terminator entry " + std::to_string(count) + " has a zero GUID but offset " +
                   std::to_string(Le32(table, at + 16)) + ", length " + std::to_string(Le32(table, at + 20)));
      }
      break;
    }
    if (count == kMaxCertTableEntries) {
      return Bad("more than " + std::to_string(kMaxCertTableEntries) + " entries before a terminator");
    }
  }
  // Pass 2: every certificate lies after the entry list and inside the table, and no two share bytes or a GUID.
  const uint64_t list_end = (count + 1) * kCertTableEntrySize;
  struct Range {
    uint64_t begin, end;
    size_t entry;
  };
  std::vector<Range> ranges;
  for (size_t i = 0; i < count; ++i) {
    size_t at = i * kCertTableEntrySize;
    CertTableEntry e;
    std::copy_n(table.begin() + at, 16, e.guid.begin());
    const uint64_t offset = Le32(table, at + 16), length = Le32(table, at + 20);
    const std::string who = "entry " + std::to_string(i) + " (" + GuidName(e.guid) + ", offset " +
                            std::to_string(offset) + ", length " + std::to_string(length) + ")";
    if (length == 0) return Bad(who + " is empty");
    if (offset < list_end) {
      return Bad(who + " starts inside the entry list, which ends at byte " + std::to_string(list_end));
    }
    if (offset + length > table.size()) {
      return Bad(who + " ends at byte " + std::to_string(offset + length) + ", past the end of the " +
                 std::to_string(table.size()) + "-byte table");
    }
    if (FindCert(out, e.guid) != nullptr) return Bad(who + ": " + GuidName(e.guid) + " appears twice");
    e.data.assign(table.begin() + offset, table.begin() + offset + length);
    ranges.push_back({offset, offset + length, i});
    out.push_back(std::move(e));
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end) {
      return Bad("entries " + std::to_string(ranges[i - 1].entry) + " (" + GuidName(out[ranges[i - 1].entry].guid) +
                 ", bytes " + std::to_string(ranges[i - 1].begin) + ".." + std::to_string(ranges[i - 1].end) +
                 ") and " + std::to_string(ranges[i].entry) + " (" + GuidName(out[ranges[i].entry].guid) + ", bytes " +
                 std::to_string(ranges[i].begin) + ".." + std::to_string(ranges[i].end) + ") overlap");
    }
  }
  return out;
}

Bytes BuildCertTable(const std::vector<CertTableEntry>& entries) {
  Bytes out;
  uint64_t offset = (entries.size() + 1) * kCertTableEntrySize;
  for (const CertTableEntry& e : entries) {
    out.insert(out.end(), e.guid.begin(), e.guid.end());
    PutLe32(&out, static_cast<uint32_t>(offset));
    PutLe32(&out, static_cast<uint32_t>(e.data.size()));
    offset += e.data.size();
  }
  out.resize(out.size() + kCertTableEntrySize, 0);
  for (const CertTableEntry& e : entries) out.insert(out.end(), e.data.begin(), e.data.end());
  return out;
}

const CertTableEntry* FindCert(const std::vector<CertTableEntry>& entries, const Guid& guid) {
  for (const CertTableEntry& e : entries) {
    if (e.guid == guid) return &e;
  }
  return nullptr;
}

}  // namespace cf::attest::snp
