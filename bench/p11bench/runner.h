// Timing loops for p11bench: runs one operation for a fixed duration, collects per-operation latencies and turns
// them into ops/s, median and p99. Owns no PKCS#11 or OpenSSL state; timings are reported, never judged here.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

#include "common/status.h"

namespace cf::bench {

struct Stats {
  size_t count = 0;
  double ops_per_s = 0;  // count / (sum of timed latencies), or count / wall time for parallel runs
  double median_us = 0;
  double p99_us = 0;
};

// Untimed work around each timed operation (e.g. re-creating the object a destroy benchmark removes).
using Step = std::function<Status()>;

class Runner {
 public:
  // duration_s: how long each benchmark's timed part runs; min_ops/max_ops bound the count whatever the speed
  // (slow operations such as RSA key generation still get min_ops samples; fast ones stop at max_ops).
  Runner(double duration_s, size_t min_ops, size_t max_ops)
      : duration_s_(duration_s), min_ops_(min_ops), max_ops_(max_ops) {}

  double duration_s() const { return duration_s_; }
  size_t max_ops() const { return max_ops_; }

  // Runs before, op (timed), after until the timed total reaches the duration. The first failing step ends the
  // run with its Status.
  Result<Stats> Time(const Step& op, const Step& before = {}, const Step& after = {}) const;

  // For operations that time themselves (a child process reports its own figure): op returns nanoseconds.
  Result<Stats> TimeReported(const std::function<Result<double>()>& op) const;

  // threads copies of the operation made by make_op(thread_index) run at once for the duration; ops/s is the total
  // over wall time, so the figure shows how well the operation scales.
  Result<Stats> TimeParallel(int threads, const std::function<Result<Step>(int)>& make_op) const;

 private:
  double duration_s_;
  size_t min_ops_;
  size_t max_ops_;
};

// Median and p99 of latencies given in nanoseconds (sorts the vector).
Stats Summarise(std::vector<double>& latencies_ns, double seconds);

}  // namespace cf::bench
