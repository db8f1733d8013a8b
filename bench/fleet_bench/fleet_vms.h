// The simulated VMs of a fleet benchmark, prepared once and loaded for each run: every VM has its own directory
// with its own simulated platform (a copy of its host's: VMs on one host share the platform key, as SEV-SNP guests
// on one chip share its VCEK) and its own authentication key. Preparing also writes the policy text that trusts
// every host's platform key and the one measurement the VMs report, for cf-policy compile.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "attest/enclave.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::bench {

struct PrepareOptions {
  std::string dir;
  int vms = 20;
  int hosts = 4;                            // simulated platforms the VMs are spread over
  std::string auth_algorithm = "rsa-2048";  // the framework's; ecc-256 prepares faster (the CI short form)
};

// Writes <dir>/vm-NNNN/{platform/,auth_key.bin}, <dir>/hosts/<h>.key (platform keys) and <dir>/policy.txt.
Status PrepareFleet(const PrepareOptions& options);

struct SimulatedVm {
  std::string name;
  std::unique_ptr<attest::Enclave> enclave;
  wire::key_message auth_key;
};

// The first `count` VMs of a prepared fleet (all when count is 0). kNotFound when fewer were prepared.
Result<std::vector<SimulatedVm>> LoadFleet(const std::string& dir, int count);

}  // namespace cf::bench
