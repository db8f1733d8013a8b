// store_bench: put and get latency (median, p99) of both cryptstore backends at 100 and 10 000 entries, sealed
// by the simulated enclave. Prints one table to stdout (a tool, not library code). cf-file rewrites the whole file
// per put, so it measures fewer operations (the table says how many); pre-filling uses PutMany batches.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "attest/simulated/simulated_enclave.h"
#include "cryptstore/store.h"
#include "tokendir/enclave_adapters.h"

namespace {

using cf::store::Backend;
using Clock = std::chrono::steady_clock;

struct Stats {
  double median_us = 0;
  double p99_us = 0;
};

Stats Summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  Stats s;
  s.median_us = us[us.size() / 2];
  s.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  return s;
}

cf::store::NewEntry Entry(const std::string& tag) {
  cf::store::NewEntry e;
  e.tag = tag;
  e.type = "binary-blob";
  e.blob = cf::SecureBytes(256, 0x42);  // about a serialized RSA-2048 key_message's order of size
  return e;
}

int Run(const std::string& dir, std::shared_ptr<cf::store::Sealer> sealer, Backend backend, int entries, int ops) {
  cf::store::StoreOptions o;
  o.backend = backend;
  o.path = dir + (backend == Backend::kSqlite ? "/bench-" : "/bench-cf-") + std::to_string(entries);
  o.sealer = sealer;
  auto opened = cf::store::Store::Open(o);
  if (!opened.ok()) {
    std::fprintf(stderr, "store_bench: open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto& store = **opened;
  auto t_fill = Clock::now();
  // Pre-fill in batches (PutMany: one transaction / one rewrite each), so cf-file does not rewrite 10 000 times.
  for (int i = 0; i < entries;) {
    std::vector<cf::store::NewEntry> batch;
    for (int k = 0; k < 1000 && i < entries; ++k, ++i) batch.push_back(Entry("fill-" + std::to_string(i)));
    auto filled = store.PutMany(batch);
    if (!filled.ok()) {
      std::fprintf(stderr, "store_bench: pre-fill: %s\n", filled.status().ToString().c_str());
      return 1;
    }
  }
  double fill_s = std::chrono::duration<double>(Clock::now() - t_fill).count();
  std::vector<double> put_us, get_us;
  for (int i = 0; i < ops; ++i) {
    auto t0 = Clock::now();
    if (!store.Put(Entry("op-" + std::to_string(i))).ok()) return 1;
    put_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  for (int i = 0; i < ops; ++i) {
    std::string tag = "fill-" + std::to_string((i * 7919) % entries);
    auto t0 = Clock::now();
    if (!store.Get(tag, "binary-blob").ok()) return 1;
    get_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  // put+get: one write then one read of the same kind, the figure (per pair, not per call).
  std::vector<double> pair_us(ops);
  for (int i = 0; i < ops; ++i) pair_us[i] = put_us[i] + get_us[i];
  Stats p = Summarise(put_us), g = Summarise(get_us), pg = Summarise(pair_us);
  std::printf("| %-7s | %7d | %5d | %10.0f | %10.0f | %10.1f | %10.1f | %12.0f | %8.1f |\n",
              backend == Backend::kSqlite ? "sqlite" : "cf-file", entries, ops, p.median_us, p.p99_us, g.median_us,
              g.p99_us, pg.median_us, fill_s);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cf-store-bench-XXXXXX").string();
  if (argc > 1) tmpl = std::string(argv[1]) + "/cf-store-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return 1;
  cf::attest::EnclaveOptions eo;
  eo.directory = tmpl + "/platform";
  auto enclave = cf::attest::OpenEnclave(eo);
  if (!enclave.ok()) {
    std::fprintf(stderr, "store_bench: %s\n", enclave.status().ToString().c_str());
    std::filesystem::remove_all(tmpl);
    return 1;
  }
  auto sealer = std::make_shared<cf::tokendir::EnclaveSealer>(std::move(enclave).value());
  std::printf("store_bench in %s (256-byte blobs; latency in microseconds; fill = seconds to pre-fill)\n",
              tmpl.c_str());
  std::printf(
      "| backend | entries |   ops | put median |    put p99 | get median |    get p99 | put+get med. |   fill s |\n");
  std::printf(
      "|---------|---------|-------|------------|------------|------------|------------|--------------|----------|\n");
  int rc = 0;
  rc |= Run(tmpl, sealer, Backend::kSqlite, 100, 1000);
  rc |= Run(tmpl, sealer, Backend::kSqlite, 10000, 1000);
  rc |= Run(tmpl, sealer, Backend::kCfFile, 100, 200);
  rc |= Run(tmpl, sealer, Backend::kCfFile, 10000, 50);
  std::filesystem::remove_all(tmpl);
  return rc;
}
