// The checks that follow parsing: pick the one operation and check everything that can be checked without the
// store (names, versions, algorithms, formats, the PIN), so a usage error is one line on stderr and exit 1 before
// anything is opened.
#pragma once

#include <string>

#include "tools/cf-osutility/flag_table.h"

namespace cf::osutil {

// Writes "cf-osutility: <message>" to stderr and returns kExitUsage.
int Usage(const std::string& message);

// -1 when the command line holds one runnable operation (then command_line.options is complete); else the exit code
// to stop with, its reason already on stderr.
int CheckCommandLine(CommandLine& command_line);

}  // namespace cf::osutil
