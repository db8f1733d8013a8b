// fleet_bench: a fleet of simulated VMs certifying at once against replicated Certifier Services.
//   fleet_bench prepare --dir D --vms M [--hosts H]   once: the VMs and the policy text (D/policy.txt)
//   fleet_bench run --dir D --front HOST:PORT[,...] --policy-cert-file C [--vms M] [--rounds R]
//       [--replica-pids P,P] [--balancer-pid P] [--kill-pid P --kill-after-ms T] [--raw-sign-key K]
//       [--expect admitted|unreachable]
// `run` prints "key: value" lines (bench/README.md) and exits 0 when the outcome is the expected one: every
// certification admitted, or (--expect unreachable) every one failed with UNREACHABLE within its deadline.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>

#include "attest/verify_signature.h"
#include "bench/fleet_bench/fleet_load.h"
#include "bench/fleet_bench/process_cpu.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/ossl_context.h"
#include "entries/certification.h"
#include "proto/key_codec.h"

namespace {

using namespace cf;
using Clock = std::chrono::steady_clock;

int Fail(const Status& s) {
  std::fprintf(stderr, "fleet_bench: %s\n", s.ToString().c_str());
  return 2;
}

std::vector<pid_t> ParsePids(const std::string& text) {
  std::vector<pid_t> pids;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) pids.push_back(static_cast<pid_t>(std::stol(item)));
  }
  return pids;
}

// Raw signatures per CPU-second of the policy key, in this process, for 1 s: what the admission rate is compared
// with (each admission makes one such signature, the certificate's).
Status PrintRawSignRate(const std::string& key_file) {
  CF_ASSIGN_OR_RETURN(Bytes blob, ReadFile(key_file, 1 << 20));
  wire::key_message key;
  if (!key.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return Status(Code::kCorrupt, key_file + " is not a key_message");
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey pkey, keys::PKeyFromKeyMessage(key));
  CF_ASSIGN_OR_RETURN(std::string algorithm, attest::SigningAlgorithmFor(pkey.get()));
  const Bytes tbs(600, 0x5a);  // about a certificate's to-be-signed part
  int signs = 0;
  const auto start = Clock::now();
  const double cpu_start = bench::OwnCpuSeconds();
  while (Clock::now() - start < std::chrono::seconds(1)) {
    CF_RETURN_IF_ERROR(attest::Sign(pkey.get(), algorithm, tbs).status());
    ++signs;
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("raw_sign_algorithm: %s\nraw_signs_per_s: %.0f\nraw_signs_per_cpu_s: %.0f\n", algorithm.c_str(),
              signs / wall, signs / (bench::OwnCpuSeconds() - cpu_start));
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (Status ctx = ossl::OpenLibCtx(); !ctx.ok()) return Fail(ctx);
  CLI::App app{"fleet_bench: simulated VMs certifying at once against replicated Certifier Services"};
  app.require_subcommand(1);
  bench::PrepareOptions prepare;
  auto* prep = app.add_subcommand("prepare", "make the simulated VMs and the policy text, once");
  prep->add_option("--dir", prepare.dir, "fleet directory")->required();
  prep->add_option("--vms", prepare.vms, "simulated VMs")->check(CLI::Range(1, 5000));
  prep->add_option("--hosts", prepare.hosts, "simulated hosts (platform keys) the VMs are spread over")
      ->check(CLI::Range(1, 64));
  prep->add_option("--auth-algorithm", prepare.auth_algorithm, "the VMs' auth keys")
      ->check(CLI::IsMember({"rsa-2048", "rsa-3072", "ecc-256", "ecc-384"}));

  std::string dir, front, cert_file, replica_pids, raw_key, expect = "admitted", label = "fleet";
  int vms = 0, rounds = 1, deadline_ms = 5000, kill_after_ms = 0;
  pid_t balancer_pid = 0, kill_pid = 0;
  auto* run = app.add_subcommand("run", "certify every VM `rounds` times, all at once");
  run->add_option("--dir", dir, "fleet directory (fleet_bench prepare)")->required();
  run->add_option("--front", front, "HOST:PORT[,HOST:PORT...] the VMs certify against")->required();
  run->add_option("--policy-cert-file", cert_file, "the policy certificate (DER or PEM)")->required();
  run->add_option("--vms", vms, "use the first N prepared VMs (0: all)")->check(CLI::Range(0, 5000));
  run->add_option("--rounds", rounds, "certifications per VM, back to back")->check(CLI::Range(1, 10000));
  run->add_option("--deadline-ms", deadline_ms, "per certification")->check(CLI::Range(10, 600000));
  run->add_option("--replica-pids", replica_pids, "cf-certifier PIDs whose CPU is measured (comma-separated)");
  run->add_option("--balancer-pid", balancer_pid, "HAProxy's PID, whose CPU is measured");
  run->add_option("--kill-pid", kill_pid, "a replica (started by the caller) to SIGKILL mid-run");
  run->add_option("--kill-after-ms", kill_after_ms, "when to kill it")->check(CLI::Range(0, 600000));
  run->add_option("--raw-sign-key", raw_key, "policy key file: print its raw signatures per CPU-second first");
  run->add_option("--expect", expect, "the outcome that exits 0")->check(CLI::IsMember({"admitted", "unreachable"}));
  run->add_option("--label", label, "names the run in the output");
  CLI11_PARSE(app, argc, argv);
  log::SetLevel(log::Level::kError);  // retries are counted, not logged one by one

  if (prep->parsed()) {
    Status made = bench::PrepareFleet(prepare);
    if (!made.ok()) return Fail(made);
    std::printf("prepared: %d VMs on %d hosts in %s; policy text %s/policy.txt\n", prepare.vms, prepare.hosts,
                prepare.dir.c_str(), prepare.dir.c_str());
    return 0;
  }
  bench::LoadOptions options;
  auto addresses = entries::ParseCertifierAddresses(front, "--front");
  if (!addresses.ok()) return Fail(addresses.status());
  options.addresses = *addresses;
  auto cert = entries::LoadPolicyCertificate(cert_file);
  if (!cert.ok()) return Fail(cert.status());
  options.policy_cert_der = *cert;
  options.rounds = rounds;
  options.deadline = std::chrono::milliseconds(deadline_ms);
  options.replica_pids = ParsePids(replica_pids);
  options.balancer_pid = balancer_pid;
  options.kill_pid = kill_pid;
  options.kill_after = std::chrono::milliseconds(kill_after_ms);
  if (!raw_key.empty()) {
    if (Status raw = PrintRawSignRate(raw_key); !raw.ok()) return Fail(raw);
  }
  auto fleet = bench::LoadFleet(dir, vms);
  if (!fleet.ok()) return Fail(fleet.status());
  bench::LoadReport report = bench::RunLoad(*fleet, options);
  bench::PrintReport(label, report);
  if (expect == "admitted") return report.admitted == report.certifications ? 0 : 1;
  const int unreachable = report.failures.count("UNREACHABLE") != 0 ? report.failures.at("UNREACHABLE") : 0;
  const bool in_time = report.slowest_failure_ms <= deadline_ms + 500.0;
  std::printf("all_unreachable_within_deadline: %s\n", unreachable == report.certifications && in_time ? "yes" : "no");
  return unreachable == report.certifications && in_time ? 0 : 1;
}
