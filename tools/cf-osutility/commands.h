// The operations of cf-osutility, one function each. Requested output goes to stdout or --output-file;
// progress and diagnostics go to stderr. A failure is a Status naming what was wrong and what to do.
#pragma once

#include "common/status.h"
#include "tools/cf-osutility/options.h"

namespace cf::osutil {

Status InitTrust(const Options& options);
Status GenerateAndSaveKey(const Options& options);
Status GetItem(const Options& options);
Status PutItem(const Options& options);
Status PrintCryptstore(const Options& options);
Status PrintVersion(const Options& options, bool earliest);
Status ImportCryptstore(const Options& options);
Status ExportCryptstore(const Options& options);

}  // namespace cf::osutil
