// The table of kernel, initrd and command-line hashes that QEMU places in guest memory for a measured direct
// kernel boot and that OVMF's AmdSev build checks before it runs the kernel: the launch measures the table, so the
// measurement covers what is booted. Only building the bytes; where they go is the launch digest's business.
#pragma once

#include <string>
#include <string_view>

#include "attest/sev_snp/measure/digests.h"
#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp::measure {

struct KernelHashes {
  Sha256Digest kernel{};
  Sha256Digest initrd{};   // of an empty file when no initrd is given, as QEMU does
  Sha256Digest cmdline{};  // of the command line with its terminating NUL ("\0" alone when none is given)
};

// Hashes the files (initrd_path may be empty: no initrd) and the command line.
Result<KernelHashes> HashKernelInputs(const std::string& kernel_path, const std::string& initrd_path,
                                      std::string_view cmdline);

// The table as QEMU writes it, padded to a multiple of 16 bytes.
Bytes BuildHashTable(const KernelHashes& hashes);

// A 4 KiB page, zero except for the table at offset_in_page (SNP measures the whole page). Fails if the table
// would cross the page.
Result<Bytes> BuildHashTablePage(const KernelHashes& hashes, uint32_t offset_in_page);

}  // namespace cf::attest::snp::measure
