// The certificate table of an SNP extended report (GHCB specification, MSG_REPORT_REQ / SNP_GET_EXT_REPORT; the
// configfs-tsm `auxblob` when the provider is sev_guest): entries of GUID, offset, length ending in an all-zero
// entry, then the certificates the host put there. Parsing only checks the layout; nothing here trusts the host.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp {

// In the order the GUID's text reads (RFC 4122), which is how AMD's tools and hosts write them into the table.
using Guid = std::array<uint8_t, 16>;

// GUIDs the GHCB specification assigns (AMD's sev-guest tools use the same).
inline constexpr Guid kVcekGuid = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                   0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
inline constexpr Guid kAskGuid = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                  0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
inline constexpr Guid kArkGuid = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                  0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
// A VLEK (loaded by the cloud provider instead of a VCEK) and a CRL may appear; we name them in messages only.
inline constexpr Guid kVlekGuid = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                   0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};

inline constexpr size_t kCertTableEntrySize = 24;  // GUID, offset (u32 LE), length (u32 LE)
// Caps so a hostile host cannot make us walk or copy without bound (the kernel's own buffer is 16 KiB).
inline constexpr size_t kMaxCertTableSize = 1u << 20;
inline constexpr size_t kMaxCertTableEntries = 64;

// "63da758d-e664-4564-adc5-f4b93be8accd"
std::string GuidText(const Guid& guid);
// "VCEK", "ASK", "ARK", "VLEK", or the GUID's text.
std::string GuidName(const Guid& guid);

struct CertTableEntry {
  Guid guid{};
  Bytes data;
};

// Empty input or a table whose first entry is the terminator: no entries (the host supplied none). Refused with
// kInvalidArgument and the entry, offset and sizes involved: a missing terminator, a zero-length certificate, one
// that starts inside the entry list or ends past the table, two that overlap, a GUID that appears twice.
Result<std::vector<CertTableEntry>> ParseCertTable(ByteView table);

// The inverse, for tests and replay: entries, the terminator, then the certificates in order.
Bytes BuildCertTable(const std::vector<CertTableEntry>& entries);

// nullptr when absent.
const CertTableEntry* FindCert(const std::vector<CertTableEntry>& entries, const Guid& guid);

}  // namespace cf::attest::snp
