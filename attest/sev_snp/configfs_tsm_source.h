// Reports through the kernel's configfs-tsm interface (Documentation/ABI/testing/configfs-tsm-report): make an
// entry under the report root, write REPORT_DATA to `inblob`, read `outblob` (the report) and `auxblob` (the
// certificate table), check `generation` to catch a concurrent writer, remove the entry. The root is configurable
// so tests can run this against a directory tree that behaves like configfs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "attest/sev_snp/report_source.h"
#include "common/status.h"

namespace cf::attest::snp {

struct ConfigfsTsmOptions {
  std::string root = kTsmReportRoot;
  // Written to `privlevel` (the VMPL) when set; otherwise the kernel uses its floor.
  std::optional<uint32_t> privlevel;
  // Tests only: called with the new entry's path right after mkdir. configfs fills a new entry with its
  // attribute files; a plain directory standing in for it starts empty, and this is where a fake fills it.
  std::function<void(const std::string& entry)> on_entry_created;
  // Which guest this source serves (the same interface gives TDX quotes, attest/tdx/tdx_enclave.cc): the entry's
  // `provider` must be this, and the outblob exactly outblob_size bytes (0: any size up to kTsmBlobMax).
  std::string provider = "sev_guest";
  std::string platform_name = "SEV-SNP";
  size_t outblob_size = 0x4A0;
};

// Biggest outblob/auxblob we read (the kernel's TSM_OUTBLOB_MAX is 32 KiB).
inline constexpr size_t kTsmBlobMax = 32u << 10;

// kUnimplemented when options.root is not a directory.
Result<std::unique_ptr<ReportSource>> OpenConfigfsTsmSource(const ConfigfsTsmOptions& options);

}  // namespace cf::attest::snp
