// Tab-separated rows for bench/run.sh. Notes have tabs and newlines replaced so a row is always one line.
#include "bench/p11bench/report.h"

#include <algorithm>

namespace cf::bench {
namespace {

std::string OneLine(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return s.size() > 160 ? s.substr(0, 157) + "..." : s;
}

}  // namespace

void Report::Header(const std::string& backend) {
  std::fprintf(out_, "# p11bench backend=%s\n# id\tstatus\tops_per_s\tmedian_us\tp99_us\tnote\n",
               OneLine(backend).c_str());
  std::fflush(out_);
}

void Report::Row(const std::string& id, const Stats& s, const std::string& note) {
  std::fprintf(out_, "%s\tok\t%.1f\t%.2f\t%.2f\t%s\n", id.c_str(), s.ops_per_s, s.median_us, s.p99_us,
               OneLine(note + (note.empty() ? "" : "; ") + "n=" + std::to_string(s.count)).c_str());
  std::fflush(out_);
}

void Report::NotApplicable(const std::string& id, const std::string& reason) {
  std::fprintf(out_, "%s\tn/a\t-\t-\t-\t%s\n", id.c_str(), OneLine(reason).c_str());
  std::fflush(out_);
}

void Report::Value(const std::string& id, double value, const std::string& unit) {
  std::fprintf(out_, "%s\tvalue\t%.3f\t-\t-\t%s\n", id.c_str(), value, OneLine(unit).c_str());
  std::fflush(out_);
}

void Report::Outcome(const std::string& id, const Result<Stats>& result, const std::string& note) {
  if (result.ok()) {
    Row(id, *result, note);
  } else {
    NotApplicable(id, result.status().message());
  }
}

}  // namespace cf::bench
