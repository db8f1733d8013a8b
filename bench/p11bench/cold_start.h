// The fresh-process measurements: a child p11bench (--cold-child) loads the module, logs in and finds one label,
// and reports its own time and peak RSS on stdout; the parent starts it and reads the figures.
#pragma once

#include <string>

#include "common/status.h"

namespace cf::bench {

struct ColdFigures {
  double ns = 0;              // dlopen + C_Initialize + C_OpenSession + C_Login + first find
  long peak_rss_kib = 0;      // VmHWM after the find (and, with enumerate, after listing every object)
  unsigned long found = 0;    // objects the find returned
  unsigned long objects = 0;  // objects listed when enumerating
};

struct ColdRequest {
  std::string module;
  std::string token_label;
  std::string pin;
  std::string find_label;
  bool enumerate = false;  // also list every object (C_FindObjects over an empty template)
};

// Parent side: runs self_exe --cold-child ... and parses its line.
Result<ColdFigures> RunColdChild(const std::string& self_exe, const ColdRequest& request);
// Child side: measures and prints one line; returns the process exit code.
int ColdChildMain(const ColdRequest& request);

}  // namespace cf::bench
