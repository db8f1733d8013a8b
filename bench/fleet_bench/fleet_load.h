// One load run: every simulated VM certifies `rounds` times back to back, all VMs at once (a fleet booting
// together), through the given addresses. Counts admissions, failures by code and retries (attempts beyond the
// first), measures latency and the CPU the replicas and the balancer used; optionally kills one replica mid-run.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "attest/certification_client.h"
#include "bench/fleet_bench/fleet_vms.h"

namespace cf::bench {

struct LoadOptions {
  std::vector<attest::CertifierAddress> addresses;  // the front (HAProxy) or replicas directly
  Bytes policy_cert_der;
  int rounds = 1;
  std::chrono::milliseconds deadline{5000};  // per certification, every attempt included
  std::vector<pid_t> replica_pids;           // their CPU is read before and after
  pid_t balancer_pid = 0;
  pid_t kill_pid = 0;  // SIGKILLed kill_after into the run (a replica crashing)
  std::chrono::milliseconds kill_after{0};
};

struct LoadReport {
  int vms = 0;
  int certifications = 0;
  int admitted = 0;
  int retries = 0;                      // attempts beyond the first, over all certifications
  int retried_certifications = 0;       // certifications that needed more than one attempt
  std::map<std::string, int> failures;  // by status code name
  std::string first_failure;
  double wall_seconds = 0;
  double replica_cpu_seconds = 0;  // -1 when no replica pid was given
  double balancer_cpu_seconds = -1;
  double client_cpu_seconds = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double slowest_failure_ms = 0;
  bool killed = false;
  std::map<std::string, int> answered_by;
};

LoadReport RunLoad(std::vector<SimulatedVm>& vms, const LoadOptions& options);

// "key: value" lines on stdout, read by scripts/fleet.sh and the tests.
void PrintReport(const std::string& label, const LoadReport& report);

}  // namespace cf::bench
