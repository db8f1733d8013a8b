// The parsed command line of cf-osutility: one operation, its inputs, and where the store lives. Filled by
// flags.cc, read by the commands; holds the PIN in a wiping string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/secure_bytes.h"
#include "tools/cf-osutility/framework_options.h"

namespace cf::osutil {

// Exit codes (documented in --help): usage errors, missing things, everything else.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitNotFound = 2;
inline constexpr int kExitFailure = 3;

enum class Operation {
  kNone,
  kInitTrust,
  kGenerateKey,
  kGetItem,
  kPutItem,
  kPrint,
  kEarliestVersion,
  kLatestVersion,
  kImport,
  kExport,
  kTpmPrepareReseal,  // tpm-enclave: seal the platform sealing key ahead to expected PCR values
  kTpmReseal,         // tpm-enclave: seal it to the current PCR values
};

struct Options {
  Operation operation = Operation::kNone;
  // Where: <token_dir> for the default domain, <token_dir>/domains/<policy_domain> otherwise.
  std::string token_dir;
  std::string policy_domain;
  std::string backend = "sqlite";
  std::string enclave_type = "simulated-enclave";
  std::string tpm_tcti;           // tpm-enclave: TSS TCTI (--tpm-tcti, or --tpm-device <path> as "device:<path>")
  std::string tpm_device;         // --tpm-device (the framework's name): folded into tpm_tcti by flag_checks.cc
  std::string tpm_pcrs;           // tpm-enclave: PCRs sealed to and quoted ("7", "0,2,7")
  std::string tpm_expected_pcrs;  // --tpm-prepare-reseal "7=<hex>,...": PCR values of the next boot state
  std::string cryptstore_name;    // sqlite file name in the domain directory
  std::string encrypted_cryptstore_filename;       // cf-file file name in the domain directory
  std::string sealed_key_directory;                // platform state (sealing key); default <token_dir>/platform
  std::string policy_store_name = "policy-store";  // store metadata name of the domain's trust record
  std::string certifier_address;                   // host:port of a Certifier Service: --init-trust certifies
  std::string policy_cert_file;                    // the policy certificate (DER or PEM) that service signs with
  // What.
  std::string tag;
  std::string type;
  std::optional<int32_t> version;
  std::string symmetric_algorithm;
  std::string public_key_algorithm;
  std::optional<bool> exportable;
  // --requires-admission: the key is usable only while its token is admitted (CKA_CF_REQUIRES_ADMISSION).
  bool requires_admission = false;
  std::string input_file;  // --put-item / --import-cryptstore
  std::string output_file = "-";
  std::string output_format = "raw";
  std::string input_format = "raw";
  bool print_after = false;  // --print-cryptstore next to another operation
  std::optional<SecureString> pin;
  FrameworkOptions framework;  // framework.active: the framework's files in place (framework_commands.h)
};

}  // namespace cf::osutil
