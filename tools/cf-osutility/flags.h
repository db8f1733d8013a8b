// cf-osutility's command line: every flag of the framework's VM-model utility in hyphen and underscore spellings,
// plus ours (--token-dir, --backend, --policy-domain, --pin...). Parsing checks everything that can be checked
// without the store, so usage errors exit 1 before anything is opened.
#pragma once

#include <string>

#include "common/status.h"
#include "tools/cf-osutility/options.h"

namespace cf::osutil {

struct ParseOutcome {
  int exit_code = -1;  // >= 0: stop now with this code (help printed, or a usage error reported)
  Options options;
};

ParseOutcome ParseCommandLine(int argc, char** argv);

// A --version value: decimal, no sign, no junk; 1..2147483647, or 0 when zero_allowed (get: 0 = latest).
Result<int32_t> ParseVersion(const std::string& text, bool zero_allowed);

}  // namespace cf::osutil
