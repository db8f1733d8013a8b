// Preparing and loading the simulated VMs. Key generation (one RSA key per VM, two per host) is the slow part, so
// it happens once, before any timing.
#include "bench/fleet_bench/fleet_vms.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "proto/key_codec.h"

namespace cf::bench {
namespace {

namespace fs = std::filesystem;

// Every VM reports this measurement: one image booted many times, which the policy trusts.
const Bytes kFleetMeasurement(32, 0x5a);

std::string VmName(int i) {
  char name[16];
  std::snprintf(name, sizeof(name), "vm-%04d", i);
  return name;
}

}  // namespace

Status PrepareFleet(const PrepareOptions& options) {
  if (options.vms < 1 || options.hosts < 1) return Status(Code::kInvalidArgument, "--vms and --hosts must be >= 1");
  std::error_code ec;
  fs::create_directories(options.dir + "/hosts", ec);
  if (ec) return Status(Code::kIoError, "cannot create " + options.dir + "/hosts: " + ec.message());
  std::string policy = "# fleet benchmark: every host's platform key, the VMs' one measurement\n";
  const int hosts = std::min(options.hosts, options.vms);
  for (int h = 0; h < hosts; ++h) {
    attest::EnclaveOptions eo;
    eo.directory = options.dir + "/hosts/host-" + std::to_string(h);
    eo.initial_measurement = kFleetMeasurement;
    CF_ASSIGN_OR_RETURN(std::unique_ptr<attest::Enclave> host, attest::OpenEnclave(eo));
    CF_ASSIGN_OR_RETURN(std::vector<wire::evidence> evidence, host->PlatformEvidence());
    wire::signed_claim_message endorsement;
    if (evidence.empty() || !endorsement.ParseFromString(evidence[0].serialized_evidence())) {
      return Status(Code::kInternal, "the simulated platform gave no endorsement");
    }
    const std::string key_file = options.dir + "/hosts/host-" + std::to_string(h) + ".key";
    CF_RETURN_IF_ERROR(WriteFileAtomic(key_file, AsBytes(endorsement.signing_key().SerializeAsString())));
    policy += "trust-platform-key " + key_file + "\n";
  }
  policy += "trust-measurement " + HexEncode(kFleetMeasurement) + "\n";
  for (int i = 0; i < options.vms; ++i) {
    const std::string vm = options.dir + "/" + VmName(i);
    fs::create_directories(vm, ec);
    fs::copy(options.dir + "/hosts/host-" + std::to_string(i % hosts), vm + "/platform",
             fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) return Status(Code::kIoError, "cannot copy the host platform into " + vm + ": " + ec.message());
    CF_ASSIGN_OR_RETURN(wire::key_message key, keys::GenerateKeyMessage(options.auth_algorithm, "authKey"));
    std::string blob = key.SerializeAsString();
    CF_RETURN_IF_ERROR(WriteFileAtomic(vm + "/auth_key.bin", AsBytes(blob)));
  }
  return WriteFileAtomic(options.dir + "/policy.txt", AsBytes(policy), 0644);
}

Result<std::vector<SimulatedVm>> LoadFleet(const std::string& dir, int count) {
  std::vector<SimulatedVm> vms;
  for (int i = 0; count == 0 || i < count; ++i) {
    const std::string vm = dir + "/" + VmName(i);
    if (!fs::exists(vm + "/auth_key.bin")) {
      if (count == 0 && i > 0) break;
      return Status(Code::kNotFound,
                    vm + " was not prepared (fleet_bench prepare --vms " + std::to_string(std::max(count, 1)) + ")");
    }
    SimulatedVm v;
    v.name = VmName(i);
    attest::EnclaveOptions eo;
    eo.directory = vm + "/platform";
    eo.create_if_missing = false;
    CF_ASSIGN_OR_RETURN(v.enclave, attest::OpenEnclave(eo));
    CF_ASSIGN_OR_RETURN(Bytes key, ReadFile(vm + "/auth_key.bin", 1 << 20));
    if (!v.auth_key.ParseFromArray(key.data(), static_cast<int>(key.size()))) {
      return Status(Code::kCorrupt, vm + "/auth_key.bin is not a key_message");
    }
    vms.push_back(std::move(v));
  }
  return vms;
}

}  // namespace cf::bench
