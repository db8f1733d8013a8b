// Each check reads what the flags set and either completes Options or stops with an exit code (nullopt: go on).
// They run in a fixed order: the operation first, because what else is required depends on it.
#include "tools/cf-osutility/flag_checks.h"

#include <algorithm>
#include <iostream>
#include <optional>

#include "common/atomic_file.h"
#include "cryptstore/entry_rules.h"
#include "cryptstore/store.h"
#include "entries/certification.h"
#include "proto/key_codec.h"
#include "tokendir/token_storage.h"
#include "tools/cf-osutility/flags.h"
#include "tools/cf-osutility/formats.h"

namespace cf::osutil {
namespace {

using Stop = std::optional<int>;

Stop ChooseOperation(CommandLine& c) {
  Options& o = c.options;
  // The framework's switch spellings (gflags_argv.h) of the flags that take a file on our command line.
  for (auto [file, flag] : {std::pair{&c.put_file, "--put-item"}, std::pair{&c.import_file, "--import-cryptstore"},
                            std::pair{&c.export_file, "--export-cryptstore"}}) {
    if (*file == "false") file->clear();
    if (*file == "true")
      return Usage(std::string(flag) + " takes a file here (" + flag +
                   " FILE); the framework's switch form reads --input_file/--output_file with --data_dir");
  }
  int ops = 0;
  auto pick = [&](bool on, Operation op) {
    if (on) {
      ++ops;
      o.operation = op;
    }
  };
  pick(c.init_trust || c.framework.reinit_trust, Operation::kInitTrust);
  pick(c.generate, Operation::kGenerateKey);
  pick(c.get_item, Operation::kGetItem);
  pick(!c.put_file.empty(), Operation::kPutItem);
  pick(c.earliest, Operation::kEarliestVersion);
  pick(c.latest, Operation::kLatestVersion);
  pick(!c.import_file.empty(), Operation::kImport);
  pick(!c.export_file.empty(), Operation::kExport);
  pick(!o.tpm_expected_pcrs.empty(), Operation::kTpmPrepareReseal);
  pick(c.tpm_reseal, Operation::kTpmReseal);
  if (ops > 1) {
    return Usage(
        "give one operation at a time (--init-trust, --generate-and-save-key, --get-item, "
        "--put-item, --earliest-version, --latest-version, --import-cryptstore, "
        "--export-cryptstore, --tpm-prepare-reseal, --tpm-reseal); --print-cryptstore may accompany any");
  }
  if (ops == 0 && c.print) o.operation = Operation::kPrint;
  if (ops == 1) o.print_after = c.print;
  if (o.operation == Operation::kNone) {
    if (!c.save) return Usage("no operation given; see --help for the operations and examples");
    std::cerr << "cf-osutility: nothing to save: every write is saved when it is made\n";
    return kExitOk;
  }
  o.input_file = o.operation == Operation::kImport ? c.import_file : c.put_file;
  if (o.operation == Operation::kExport) o.output_file = c.export_file;
  if (c.exportable_given) o.exportable = c.exportable;
  if (!c.policy_store_text.empty()) o.policy_store_name = c.policy_store_text;
  return std::nullopt;
}

Stop CheckStoreLocation(const Options& o) {
  if (o.token_dir.empty()) return Usage("--token-dir is empty; give the token directory");
  if (!tokendir::ParseBackend(o.backend).ok()) {
    return Usage("unknown --backend '" + o.backend + "'; use sqlite or cf-file");
  }
  if (o.enclave_type != "simulated-enclave" && o.enclave_type != "sev-enclave" && o.enclave_type != "tpm-enclave" &&
      o.enclave_type != "tdx-enclave") {
    return Usage("unknown --enclave-type '" + o.enclave_type +
                 "'; use simulated-enclave, sev-enclave, tpm-enclave or tdx-enclave");
  }
  const bool tpm_flags = !o.tpm_tcti.empty() || !o.tpm_device.empty() || !o.tpm_pcrs.empty() ||
                         o.operation == Operation::kTpmPrepareReseal || o.operation == Operation::kTpmReseal;
  if (tpm_flags && o.enclave_type != "tpm-enclave") {
    return Usage(
        "--tpm-tcti, --tpm-device, --tpm-pcrs and the --tpm-*reseal operations belong to "
        "--enclave-type tpm-enclave");
  }
  if (!o.tpm_tcti.empty() && !o.tpm_device.empty()) return Usage("give --tpm-tcti or --tpm-device, not both");
  if (!o.policy_domain.empty() && (o.policy_domain.find('/') != std::string::npos || o.policy_domain == "." ||
                                   o.policy_domain == ".." || !store::IsValidUtf8(o.policy_domain))) {
    return Usage("--policy-domain '" + o.policy_domain + "' must be a plain UTF-8 name without '/'");
  }
  for (const std::string* name : {&o.cryptstore_name, &o.encrypted_cryptstore_filename}) {
    if (name->find('/') != std::string::npos) {
      return Usage("store file name '" + *name + "' must not contain '/'; use --token-dir for the place");
    }
  }
  return std::nullopt;
}

Stop CheckCertification(const Options& o) {
  if (o.certifier_address.empty() && o.policy_cert_file.empty()) return std::nullopt;
  if (o.operation != Operation::kInitTrust) {
    return Usage("--certifier-address and --policy-cert-file belong to --init-trust");
  }
  if (o.certifier_address.empty() || o.policy_cert_file.empty()) {
    return Usage(
        "certification needs both --certifier-address HOST:PORT and --policy-cert-file FILE (replicas: "
        "HOST:PORT,HOST:PORT,...)");
  }
  auto address = entries::ParseCertifierAddresses(o.certifier_address);
  if (!address.ok()) return Usage(address.status().message());
  return std::nullopt;
}

// A key usable only while the token is admitted must not also be exportable: a copy in clear needs no admission.
Stop CheckRequiresAdmission(Options& o) {
  if (!o.requires_admission) return std::nullopt;
  if (o.operation != Operation::kGenerateKey && o.operation != Operation::kPutItem) {
    return Usage("--requires-admission belongs to --generate-and-save-key and --put-item");
  }
  if (o.exportable.value_or(false)) {
    return Usage(
        "--requires-admission and --exportable contradict each other: a key that may leave in clear can be used "
        "without an admission certificate");
  }
  o.exportable = false;
  return std::nullopt;
}

Stop CheckTagAndVersion(CommandLine& c) {
  Options& o = c.options;
  bool needs_tag = o.operation == Operation::kGenerateKey || o.operation == Operation::kGetItem ||
                   o.operation == Operation::kPutItem || o.operation == Operation::kEarliestVersion ||
                   o.operation == Operation::kLatestVersion;
  if (needs_tag && o.tag.empty()) return Usage("--tag is empty or missing; give the entry's tag");
  if (!o.tag.empty() && (!store::IsValidUtf8(o.tag) || o.tag.size() > store::kMaxTagSize)) {
    return Usage("--tag is not valid UTF-8 or is longer than " + std::to_string(store::kMaxTagSize) +
                 " bytes; give a UTF-8 tag");
  }
  if (c.version_text.empty()) return std::nullopt;
  auto version = ParseVersion(c.version_text, o.operation == Operation::kGetItem);
  if (!version.ok()) return Usage(version.status().message());
  o.version = *version;
  return std::nullopt;
}

Stop CheckAlgorithms(Options& o) {
  if (o.operation != Operation::kGenerateKey) return std::nullopt;
  if (!o.symmetric_algorithm.empty() && !o.public_key_algorithm.empty()) {
    return Usage("give --symmetric-algorithm or --public-key-algorithm, not both");
  }
  if (o.symmetric_algorithm.empty() && o.public_key_algorithm.empty()) o.symmetric_algorithm = "aes-256-gcm";
  if (!o.symmetric_algorithm.empty() && !keys::IsSymmetricAlgorithm(o.symmetric_algorithm)) {
    return Usage("unknown --symmetric-algorithm '" + o.symmetric_algorithm +
                 "'; use aes-256-gcm, aes-256-cbc-hmac-sha256, aes-256-cbc-hmac-sha384 or aes-256");
  }
  if (!o.public_key_algorithm.empty() &&
      (keys::IsSymmetricAlgorithm(o.public_key_algorithm) || !IsPublicKeyAlgorithm(o.public_key_algorithm))) {
    return Usage("unknown --public-key-algorithm '" + o.public_key_algorithm +
                 "'; use rsa-2048, rsa-3072, rsa-4096, ecc-256 or ecc-384");
  }
  return std::nullopt;
}

Stop CheckFormats(const Options& o) {
  if (auto output = ParseOutputFormat(o.output_format); !output.ok()) return Usage(output.status().message());
  if (auto input = ParseInputFormat(o.input_format); !input.ok()) return Usage(input.status().message());
  return std::nullopt;
}

// The PIN from --pin or the first line of --pin-file, into a wiping string; the plain copies are zeroed.
Stop TakePin(CommandLine& c) {
  if (!c.pin_text.empty() && !c.pin_file.empty()) return Usage("give --pin or --pin-file, not both");
  if (!c.pin_text.empty()) c.options.pin = SecureString(c.pin_text.begin(), c.pin_text.end());
  std::fill(c.pin_text.begin(), c.pin_text.end(), '\0');
  if (c.pin_file.empty()) return std::nullopt;
  auto data = ReadFile(c.pin_file, 4096);
  if (!data.ok()) {
    std::cerr << "cf-osutility: cannot read --pin-file '" << c.pin_file << "': " << data.status().message() << "\n";
    return data.status().code() == Code::kNotFound ? kExitNotFound : kExitFailure;
  }
  SecureString pin(data->begin(), data->end());
  std::fill(data->begin(), data->end(), 0);
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  if (pin.empty()) return Usage("--pin-file '" + c.pin_file + "' is empty; put the PIN on its first line");
  c.options.pin = std::move(pin);
  return std::nullopt;
}

}  // namespace

int Usage(const std::string& message) {
  std::cerr << "cf-osutility: " << message << "\n";
  return kExitUsage;
}

int CheckCommandLine(CommandLine& c) {
  Stop stop = ChooseOperation(c);
  if (!stop) stop = CheckStoreLocation(c.options);
  if (!stop) stop = CheckCertification(c.options);
  if (!stop) stop = CheckRequiresAdmission(c.options);
  if (!stop) stop = CheckTagAndVersion(c);
  if (!stop) stop = CheckAlgorithms(c.options);
  if (!stop) stop = CheckFormats(c.options);
  if (!stop) stop = TakePin(c);
  return stop.value_or(-1);
}

}  // namespace cf::osutil
