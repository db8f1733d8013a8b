// The rows p11bench prints: one tab-separated line per benchmark (id, status, ops/s, median us, p99 us, note) on
// stdout, so bench/run.sh can put the columns of three runs side by side. Nothing here measures anything.
#pragma once

#include <cstdio>
#include <string>

#include "bench/p11bench/runner.h"
#include "common/status.h"

namespace cf::bench {

class Report {
 public:
  explicit Report(std::FILE* out) : out_(out) {}
  void Header(const std::string& backend);
  void Row(const std::string& id, const Stats& stats, const std::string& note = "");
  // A benchmark this backend cannot run: "n/a" with the reason (a CKR_ name, or "no token" for OpenSSL).
  void NotApplicable(const std::string& id, const std::string& reason);
  // A single measured value that is not a rate (peak RSS, speedup).
  void Value(const std::string& id, double value, const std::string& unit);
  // Records the outcome of a benchmark: a row when it ran, "n/a" with the Status text when it did not.
  void Outcome(const std::string& id, const Result<Stats>& result, const std::string& note = "");

 private:
  std::FILE* out_;
};

}  // namespace cf::bench
