// Timing loops for p11bench: steady_clock around each operation; bounded by duration and count so a slow or stuck
// module cannot make a run endless.
#include "bench/p11bench/runner.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace cf::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Nanos(Clock::duration d) { return std::chrono::duration<double, std::nano>(d).count(); }

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

Stats Summarise(std::vector<double>& latencies_ns, double seconds) {
  std::sort(latencies_ns.begin(), latencies_ns.end());
  Stats s;
  s.count = latencies_ns.size();
  s.ops_per_s = seconds > 0 ? static_cast<double>(s.count) / seconds : 0;
  s.median_us = Percentile(latencies_ns, 0.5) / 1e3;
  s.p99_us = Percentile(latencies_ns, 0.99) / 1e3;
  return s;
}

Result<Stats> Runner::Time(const Step& op, const Step& before, const Step& after) const {
  std::vector<double> lat;
  lat.reserve(std::min<size_t>(max_ops_, 1 << 16));
  double timed_ns = 0;
  // Untimed steps count against a wall-clock bound too (ten times the duration), so a benchmark whose set-up is
  // slow (populating objects) still ends.
  const auto wall_limit = Clock::now() + std::chrono::duration<double>(duration_s_ * 10 + 1);
  while (lat.size() < max_ops_) {
    if (lat.size() >= min_ops_ && (timed_ns >= duration_s_ * 1e9 || Clock::now() > wall_limit)) break;
    if (before) CF_RETURN_IF_ERROR(before());
    auto t0 = Clock::now();
    Status st = op();
    auto t1 = Clock::now();
    CF_RETURN_IF_ERROR(st);
    if (after) CF_RETURN_IF_ERROR(after());
    lat.push_back(Nanos(t1 - t0));
    timed_ns += lat.back();
  }
  return Summarise(lat, timed_ns / 1e9);
}

Result<Stats> Runner::TimeReported(const std::function<Result<double>()>& op) const {
  std::vector<double> lat;
  double timed_ns = 0;
  const auto wall_limit = Clock::now() + std::chrono::duration<double>(duration_s_ * 10 + 1);
  while (lat.size() < max_ops_) {
    if (lat.size() >= min_ops_ && (timed_ns >= duration_s_ * 1e9 || Clock::now() > wall_limit)) break;
    CF_ASSIGN_OR_RETURN(double ns, op());
    lat.push_back(ns);
    timed_ns += ns;
  }
  return Summarise(lat, timed_ns / 1e9);
}

Result<Stats> Runner::TimeParallel(int threads, const std::function<Result<Step>(int)>& make_op) const {
  std::vector<Step> ops;
  for (int i = 0; i < threads; ++i) {
    CF_ASSIGN_OR_RETURN(Step op, make_op(i));
    ops.push_back(std::move(op));
  }
  std::vector<std::vector<double>> lat(threads);
  std::vector<Status> status(threads);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  const size_t per_thread_max = max_ops_;
  std::vector<std::thread> pool;
  Clock::time_point start;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      const auto end = start + std::chrono::duration<double>(duration_s_);
      while (lat[i].size() < per_thread_max && (lat[i].size() < min_ops_ || Clock::now() < end)) {
        auto t0 = Clock::now();
        Status st = ops[i]();
        auto t1 = Clock::now();
        if (!st.ok()) {
          status[i] = st;
          return;
        }
        lat[i].push_back(Nanos(t1 - t0));
      }
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  start = Clock::now();
  go.store(true);
  for (auto& t : pool) t.join();
  const double wall = Nanos(Clock::now() - start) / 1e9;
  std::vector<double> all;
  for (int i = 0; i < threads; ++i) {
    CF_RETURN_IF_ERROR(status[i]);
    all.insert(all.end(), lat[i].begin(), lat[i].end());
  }
  return Summarise(all, wall);
}

}  // namespace cf::bench
