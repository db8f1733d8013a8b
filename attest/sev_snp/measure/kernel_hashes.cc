// Layout (QEMU target/i386/sev.c's SevHashTable; edk2 OvmfPkg/AmdSev BlobVerifierSevHashes reads it), packed,
// little-endian: table GUID, uint16 length of the table, then three entries of [GUID, uint16 length 50, SHA-256]
// in the order command line, initrd, kernel. The length counts the unpadded table; zero padding to 16 follows.
#include "attest/sev_snp/measure/kernel_hashes.h"

#include <algorithm>

#include "attest/sev_snp/measure/guid.h"
#include "attest/sev_snp/measure/little_endian.h"

namespace cf::attest::snp::measure {
namespace {

constexpr Guid kTableGuid = GuidFromText("9438d606-4f22-4cc9-b479-a793d411fd21");
constexpr Guid kCmdlineGuid = GuidFromText("97d02dd8-bd20-4c94-aa78-e7714d36ab2a");
constexpr Guid kInitrdGuid = GuidFromText("44baf731-3a2f-4bd7-9af1-41e29169781d");
constexpr Guid kKernelGuid = GuidFromText("4de79437-abd2-427f-b835-d5b172d2045b");

constexpr size_t kGuidAndLength = 16 + 2;
constexpr size_t kEntrySize = kGuidAndLength + 32;
constexpr size_t kTableSize = kGuidAndLength + 3 * kEntrySize;
constexpr size_t kPaddedTableSize = (kTableSize + 15) / 16 * 16;

void AppendHeader(Bytes& out, const Guid& guid, size_t length) {
  out.insert(out.end(), guid.begin(), guid.end());
  uint8_t le[2];
  WriteLe(le, length, 2);
  out.insert(out.end(), le, le + 2);
}

void AppendEntry(Bytes& out, const Guid& guid, const Sha256Digest& hash) {
  AppendHeader(out, guid, kEntrySize);
  out.insert(out.end(), hash.begin(), hash.end());
}

}  // namespace

Result<KernelHashes> HashKernelInputs(const std::string& kernel_path, const std::string& initrd_path,
                                      std::string_view cmdline) {
  KernelHashes h;
  CF_ASSIGN_OR_RETURN(h.kernel, Sha256OfFile(kernel_path));
  if (initrd_path.empty()) {
    CF_ASSIGN_OR_RETURN(h.initrd, Sha256(ByteView()));
  } else {
    CF_ASSIGN_OR_RETURN(h.initrd, Sha256OfFile(initrd_path));
  }
  std::string with_nul(cmdline);
  with_nul.push_back('\0');
  CF_ASSIGN_OR_RETURN(h.cmdline, Sha256(AsBytes(with_nul)));
  return h;
}

Bytes BuildHashTable(const KernelHashes& hashes) {
  Bytes table;
  table.reserve(kPaddedTableSize);
  AppendHeader(table, kTableGuid, kTableSize);
  AppendEntry(table, kCmdlineGuid, hashes.cmdline);
  AppendEntry(table, kInitrdGuid, hashes.initrd);
  AppendEntry(table, kKernelGuid, hashes.kernel);
  table.resize(kPaddedTableSize, 0);
  return table;
}

Result<Bytes> BuildHashTablePage(const KernelHashes& hashes, uint32_t offset_in_page) {
  if (offset_in_page > 4096 - kPaddedTableSize) {
    return Status(Code::kInvalidArgument, "the kernel hashes table at page offset " + std::to_string(offset_in_page) +
                                              " would cross its 4 KiB page");
  }
  Bytes page(4096, 0);
  Bytes table = BuildHashTable(hashes);
  std::copy(table.begin(), table.end(), page.begin() + offset_in_page);
  return page;
}

}  // namespace cf::attest::snp::measure
