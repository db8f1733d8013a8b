// All VMs start together on a shared start signal; each is one thread (a VM certifies one request at a time, as a
// booting guest's token does). CPU of the replicas comes from /proc/PID/stat; the replica that is killed is read
// just before the signal, since a dead process's times are gone once it is reaped.
#include "bench/fleet_bench/fleet_load.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bench/fleet_bench/process_cpu.h"

namespace cf::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  size_t at = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size()))) - 1;
  return sorted[std::min(at, sorted.size() - 1)];
}

struct CpuSample {
  std::map<pid_t, double> seconds;
};

void Sample(const std::vector<pid_t>& pids, CpuSample& into) {
  for (pid_t pid : pids) {
    if (auto s = ProcessCpuSeconds(pid)) into.seconds[pid] = *s;
  }
}

}  // namespace

LoadReport RunLoad(std::vector<SimulatedVm>& vms, const LoadOptions& options) {
  LoadReport report;
  report.vms = static_cast<int>(vms.size());
  std::mutex mu;  // guards report and latencies from the VM threads
  std::vector<double> latencies;
  CpuSample before, after;
  Sample(options.replica_pids, before);
  const auto balancer_before = options.balancer_pid > 0 ? ProcessCpuSeconds(options.balancer_pid) : std::nullopt;
  const double client_before = OwnCpuSeconds();

  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (auto& vm : vms) {
    threads.emplace_back([&, vm = &vm] {
      attest::CertificationRequest request;
      request.addresses = options.addresses;
      request.deadline = options.deadline;
      request.policy_cert_der = options.policy_cert_der;
      request.auth_key = vm->auth_key;
      request.expected_measurement = vm->enclave->measurement();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (int r = 0; r < options.rounds; ++r) {
        attest::CertifyTrace trace;
        const auto start = Clock::now();
        auto der = attest::Certify(*vm->enclave, request, &trace);
        const double ms = Millis(Clock::now() - start);
        std::lock_guard<std::mutex> lock(mu);
        ++report.certifications;
        report.retries += std::max(0, trace.attempts - 1);
        if (trace.attempts > 1) ++report.retried_certifications;
        if (der.ok()) {
          ++report.admitted;
          latencies.push_back(ms);
          ++report.answered_by[trace.answered_by];
        } else {
          ++report.failures[CodeName(der.status().code())];
          report.slowest_failure_ms = std::max(report.slowest_failure_ms, ms);
          if (report.first_failure.empty()) report.first_failure = vm->name + ": " + der.status().ToString();
        }
      }
    });
  }
  // Bounded by the threads: each certification ends by its deadline, and the killer waits at most kill_after.
  std::mutex kill_mu;
  std::condition_variable kill_cv;
  bool finished = false;
  std::thread killer;
  const auto started = Clock::now();
  go.store(true, std::memory_order_release);
  if (options.kill_pid > 0) {
    killer = std::thread([&] {
      std::unique_lock<std::mutex> lock(kill_mu);
      if (kill_cv.wait_for(lock, options.kill_after, [&] { return finished; })) return;
      CpuSample last;
      Sample({options.kill_pid}, last);
      if (kill(options.kill_pid, SIGKILL) == 0) {
        std::lock_guard<std::mutex> guard(mu);
        report.killed = true;
        after.seconds.insert(last.seconds.begin(), last.seconds.end());
      }
    });
  }
  for (auto& t : threads) t.join();
  report.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  {
    std::lock_guard<std::mutex> lock(kill_mu);
    finished = true;
  }
  kill_cv.notify_all();
  if (killer.joinable()) killer.join();
  report.client_cpu_seconds = OwnCpuSeconds() - client_before;
  for (pid_t pid : options.replica_pids) {
    if (after.seconds.count(pid) != 0) continue;  // the killed one, read before its end
    if (auto s = ProcessCpuSeconds(pid)) after.seconds[pid] = *s;
  }
  report.replica_cpu_seconds = options.replica_pids.empty() ? -1 : 0;
  for (auto& [pid, s] : after.seconds) {
    if (before.seconds.count(pid) != 0) report.replica_cpu_seconds += s - before.seconds[pid];
  }
  if (balancer_before) {
    if (auto s = ProcessCpuSeconds(options.balancer_pid)) report.balancer_cpu_seconds = *s - *balancer_before;
  }
  std::sort(latencies.begin(), latencies.end());
  report.p50_ms = Percentile(latencies, 0.50);
  report.p99_ms = Percentile(latencies, 0.99);
  report.max_ms = latencies.empty() ? 0 : latencies.back();
  return report;
}

void PrintReport(const std::string& label, const LoadReport& r) {
  std::printf("run: %s\n", label.c_str());
  std::printf("vms: %d\ncertifications: %d\nadmitted: %d\n", r.vms, r.certifications, r.admitted);
  int failed = 0;
  for (auto& [code, n] : r.failures) failed += n;
  std::printf("failed: %d\n", failed);
  for (auto& [code, n] : r.failures) std::printf("failed_%s: %d\n", code.c_str(), n);
  if (!r.first_failure.empty()) std::printf("first_failure: %s\n", r.first_failure.c_str());
  std::printf("retries: %d (in %d certifications)\n", r.retries, r.retried_certifications);
  std::printf("replica_killed: %s\n", r.killed ? "yes" : "no");
  std::printf("wall_s: %.2f\nadmissions_per_s: %.1f\n", r.wall_seconds,
              r.wall_seconds > 0 ? r.admitted / r.wall_seconds : 0);
  std::printf("latency_ms: p50 %.1f, p99 %.1f, max %.1f\n", r.p50_ms, r.p99_ms, r.max_ms);
  if (failed > 0) std::printf("slowest_failure_ms: %.1f\n", r.slowest_failure_ms);
  if (r.replica_cpu_seconds >= 0) {
    std::printf("replica_cpu_s: %.2f\nadmissions_per_replica_cpu_s: %.1f\n", r.replica_cpu_seconds,
                r.replica_cpu_seconds > 0 ? r.admitted / r.replica_cpu_seconds : 0);
  }
  if (r.balancer_cpu_seconds >= 0) std::printf("balancer_cpu_s: %.2f\n", r.balancer_cpu_seconds);
  std::printf("client_cpu_s: %.2f\n", r.client_cpu_seconds);
  for (auto& [where, n] : r.answered_by) std::printf("answered_by %s: %d\n", where.c_str(), n);
  std::fflush(stdout);
}

}  // namespace cf::bench
