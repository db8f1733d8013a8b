// OVMF's GUIDed footer table: the entries edk2's ResetVector places just below the last 32 bytes of the image (the
// reset vector), which tell the VMM where the SEV-ES AP reset address, the SNP metadata and the kernel hashes
// table are. Only parsing: what an entry means is ovmf_firmware.*'s business.
#pragma once

#include <map>

#include "attest/sev_snp/measure/guid.h"
#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp::measure {

// The footer entry that closes the table; its size covers the whole table.
inline constexpr Guid kFooterTableGuid = GuidFromText("96b582de-1fb2-45f7-baea-a366c55a082d");

// Each entry's data by its GUID. Fails (kInvalidArgument, naming the offset) when the image has no footer GUID at
// its place or an entry's size runs outside the table; a GUID seen twice is refused rather than guessed between.
Result<std::map<Guid, Bytes>> ReadFooterTable(ByteView image);

}  // namespace cf::attest::snp::measure
