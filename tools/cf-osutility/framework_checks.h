// The checks of a framework command line (cf_utility's flags, FlagMode::kFramework rows present): the one
// operation, the framework's defaults, the framework's files resolved against --data_dir, the platform's files. A
// usage error is one line on stderr and exit 1 before any file is touched.
#pragma once

#include <set>
#include <string>

#include "tools/cf-osutility/flag_table.h"

namespace cf::osutil {

// `given`: the first names of the rows that appeared. -1 when runnable (command_line.options complete, with
// options.framework.active), else the exit code, its reason already on stderr.
int CheckFrameworkCommandLine(CommandLine& command_line, const std::set<std::string>& given);

// <dir><name> (the framework joins --data_dir with its file-name flags, so a plain name or a relative path lies under
// --data_dir); an absolute path as it is. dir ends in '/'.
std::string JoinDataDir(const std::string& dir, const std::string& name);

}  // namespace cf::osutil
