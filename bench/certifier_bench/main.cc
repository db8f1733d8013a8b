// certifier_bench: how many admissions per second the service sustains with 1 and 2 workers (8 client threads
// over TCP on 127.0.0.1, simulated-enclave evidence built beforehand), beside how many raw signatures per second
// the policy key's algorithm does alone, which bounds it. Results on stdout, one line per figure.
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "attest/certification_client.h"
#include "attest/verify_signature.h"
#include "certifier/admission_cert.h"
#include "certifier/policy_text.h"
#include "certifier/server.h"
#include "common/log.h"
#include "common/time_text.h"
#include "proto/key_codec.h"

namespace {

using namespace cf;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU seconds used by this process (all threads). On a shared machine wall-clock rates fall with the load of
// others; per-CPU-second rates do not, so both are printed.
double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "certifier_bench: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"certifier_bench: Certifier Service admissions per second"};
  int requests = 800, clients = 8;
  std::string algorithm = "rsa-2048";
  app.add_option("--requests", requests, "admissions per configuration")->check(CLI::Range(10, 100000));
  app.add_option("--clients", clients, "client threads")->check(CLI::Range(1, 64));
  app.add_option("--algorithm", algorithm, "policy key algorithm")
      ->check(CLI::IsMember({"rsa-2048", "rsa-3072", "ecc-256", "ecc-384"}));
  CLI11_PARSE(app, argc, argv);
  log::SetLevel(log::Level::kError);

  char tmpl[] = "/tmp/cf-certifier-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  attest::EnclaveOptions eo;
  eo.directory = dir + "/platform";
  auto enclave = attest::OpenEnclave(eo);
  if (!enclave.ok()) return Fail(enclave.status());
  auto platform = (*enclave)->PlatformEvidence();
  if (!platform.ok()) return Fail(platform.status());
  wire::signed_claim_message endorsement;
  endorsement.ParseFromString((*platform)[0].serialized_evidence());

  int64_t now = NowSeconds();
  auto policy_key = keys::GenerateKeyMessage(algorithm, "policyKey");
  if (!policy_key.ok()) return Fail(policy_key.status());
  auto pkey = keys::PKeyFromKeyMessage(*policy_key);
  auto cert = certifier::MakePolicyCertificate(pkey->get(), "bench", now - 60, 86400);
  std::string text = "trust-measurement " + HexEncode((*enclave)->measurement()) + "\ntrust-platform-key p\n";
  auto seq = certifier::CompilePolicy(
      text, *policy_key,
      [&](const std::string&) -> Result<Bytes> { return ToBytes(endorsement.signing_key().SerializeAsString()); }, now);
  if (!seq.ok()) return Fail(seq.status());
  certifier::ServiceOptions so;
  so.policy_key = *policy_key;
  so.policy_cert_der = *cert;
  so.signed_policy = ToBytes(seq->SerializeAsString());
  auto service = certifier::Service::Create(so, now);
  if (!service.ok()) return Fail(service.status());

  // Raw signatures per second of the policy key's algorithm over a certificate-sized input.
  auto alg = attest::SigningAlgorithmFor(pkey->get());
  Bytes tbs(600, 0x5a);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("machine: %ld online CPUs, load average %.2f at start\n", sysconf(_SC_NPROCESSORS_ONLN), load[0]);
  int signs = 0;
  auto start = Clock::now();
  double cpu_start = CpuSeconds();
  while (Clock::now() - start < std::chrono::seconds(2)) {
    if (!attest::Sign(pkey->get(), *alg, tbs).ok()) return Fail(Status(Code::kInternal, "sign"));
    ++signs;
  }
  double raw = signs / Seconds(Clock::now() - start);
  std::printf("policy key %s: raw signatures/s (1 thread): %.0f wall, %.0f per CPU-second\n", algorithm.c_str(), raw,
              signs / (CpuSeconds() - cpu_start));

  attest::CertificationRequest cr;
  cr.policy_cert_der = *cert;
  cr.auth_key = *keys::GenerateKeyMessage("rsa-2048", "authKey");
  for (int workers : {1, 2}) {
    std::vector<wire::trust_request_message> batch;
    for (int i = 0; i < requests; ++i) {
      auto m = attest::BuildTrustRequest(**enclave, cr);
      if (!m.ok()) return Fail(m.status());
      batch.push_back(*m);
    }
    certifier::ServerOptions opts;
    opts.port = 0;
    opts.workers = workers;
    auto server = certifier::Server::Create(service->get(), opts);
    if (!server.ok()) return Fail(server.status());
    (*server)->Start();
    cr.port = (*server)->port();
    std::atomic<int> next{0}, ok{0};
    start = Clock::now();
    cpu_start = CpuSeconds();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&] {
        for (int i; (i = next++) < requests;) {
          auto r = attest::Exchange(batch[i], cr);
          if (r.ok() && r->status() == "succeeded") ++ok;
        }
      });
    }
    for (auto& t : threads) t.join();
    double elapsed = Seconds(Clock::now() - start);
    double cpu = CpuSeconds() - cpu_start;
    (*server)->Stop();
    // CPU covers the service and the in-process clients (framing, parsing), so it bounds the service's cost.
    std::printf("workers %d: %d/%d admitted in %.2f s: %.0f admissions/s wall (%d clients); %.2f CPU ms each\n",
                workers, ok.load(), requests, elapsed, requests / elapsed, clients, 1000 * cpu / requests);
  }
  std::system(("rm -rf " + dir).c_str());
  return 0;
}
