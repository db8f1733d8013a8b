// tpm_bench: the time of the TPM operations the tpm-enclave makes, on the TPM a TCTI names (tpm_bench.sh starts a
// swtpm): one unseal of the platform sealing key (what a process does once, on its first Seal/Unseal: connect,
// recreate the storage primary, load, PolicyPCR, TPM2_Unseal, flush), and one quote (Enclave::Attest: connect,
// primary, load the AK, TPM2_Quote, PCR read, self-check). One tab-separated row each: id, runs, median_us, p90_us.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "attest/enclave.h"
#include "attest/tpm/sealing_key.h"
#include "attest/tpm/tpm_context.h"
#include "common/ossl_context.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
bool Time(const char* id, int runs, F op) {
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    if (!op()) return false;
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  printf("%s\t%d\t%.0f\t%.0f\n", id, runs, us[us.size() / 2], us[us.size() * 9 / 10]);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: tpm_bench TCTI SCRATCH_DIR [RUNS]\n");
    return 1;
  }
  const std::string tcti = argv[1], dir = argv[2];
  const int runs = argc > 3 ? std::max(1, atoi(argv[3])) : 20;
  if (!cf::ossl::OpenLibCtx().ok()) return 1;
  cf::attest::EnclaveOptions o;
  o.type = cf::attest::kTpmEnclave;
  o.directory = dir;
  o.tpm_tcti = tcti;
  auto enclave = cf::attest::OpenEnclave(o);
  if (!enclave.ok()) {
    fprintf(stderr, "tpm_bench: %s\n", enclave.status().ToString().c_str());
    return 1;
  }
  const std::string said(200, 'u');
  bool ok = Time("tpm_unseal", runs, [&] {
    auto tpm = cf::attest::tpm::TpmContext::Open(tcti, dir);
    return tpm.ok() && cf::attest::tpm::UnsealSealingKey(**tpm, dir).ok();
  });
  ok = ok && Time("tpm_quote", runs, [&] { return (*enclave)->Attest(cf::AsBytes(said)).ok(); });
  if (!ok) fprintf(stderr, "tpm_bench: an operation failed\n");
  return ok ? 0 : 1;
}
