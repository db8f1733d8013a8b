// cf-osutility's command line: CLI11 parses the flags of flag_table.h, then flag_checks.h decides the one operation
// and checks tags, versions, algorithms and formats, so that a usage error is one line on stderr and exit 1.
#include "tools/cf-osutility/flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <iostream>
#include <set>
#include <utility>
#include <vector>

#include "tokendir/token_storage.h"
#include "tools/cf-osutility/flag_checks.h"
#include "tools/cf-osutility/flag_table.h"
#include "tools/cf-osutility/framework_checks.h"

namespace cf::osutil {
namespace {

constexpr char kExamples[] = R"(
Examples (the store is <token-dir>, or <token-dir>/domains/<name> with --policy-domain):
  cf-osutility --init-trust --enclave-type simulated-enclave
  cf-osutility --init-trust --certifier-address 127.0.0.1:8123 --policy-cert-file policy_cert.pem
  cf-osutility --generate-and-save-key --symmetric-algorithm aes-256-gcm --tag disk-key
  cf-osutility --generate-and-save-key --public-key-algorithm rsa-3072 --tag signer
  cf-osutility --generate-and-save-key --public-key-algorithm ecc-256 --tag tls-key --requires-admission
  cf-osutility --put-item note.txt --tag note --type binary-blob
  cf-osutility --get-item --tag note --output-format hex
  cf-osutility --get-item --tag signer --output-format public-der --output-file signer.spki.der
  cf-osutility --earliest-version --tag note ; cf-osutility --latest-version --tag note
  cf-osutility --print-cryptstore
  cf-osutility --export-cryptstore plain.bin ; cf-osutility --backend cf-file --import-cryptstore plain.bin
The framework's cf_utility command lines work unchanged (any flag only cf_utility has, such as --data_dir or
--entry_tag, selects framework mode: the framework's own files in --data_dir, opened and written in place):
  cf-osutility --init_trust=true --enclave_type=simulated-enclave --data_dir=./ --policy_domain_name=datica \
    --policy_key_cert_file=policy_cert_file.datica --policy_store_filename=policy_store \
    --encrypted_cryptstore_filename=cryptstore --certifier_service_URL=127.0.0.1 --service_port=8123
  cf-osutility --get_item=true --data_dir=./ --entry_tag=test_key_1 --output_format=raw --output_file=out_1 ...
Where the framework's code contradicts its usage notes, framework mode does the documented thing: a get without
a version reads the latest (its code: the oldest), a put without one stores latest+1 (its code: always 1), an
import is saved (its code: never), raw output of a public key is DER SubjectPublicKeyInfo (its code: empty).
It differs on purpose: --print_cryptstore never prints secret bytes; --export_cryptstore writes only what may leave
the VM (exportable entries, certificates, public keys); the succeeded/failed line (print_level >= 1) goes to
stdout, everything else to stderr; exit codes are ours (below), not 0/1. A flag for a platform we do not have
(TPM: --enclave_type=tpm-enclave, --run_first_pass) is refused, never ignored.
Versions: positive; --put-item without --version stores latest+1; --get-item without --version (or 0) reads
the latest. Formats: raw, hex, base64, key-message-serialized-protobuf, cryptstore-entry (serialized
cryptstore_entry; "serialized-protobuf" is the framework's name for it), public-der (output only).
Exit codes: 0 ok, 1 usage, 2 not found, 3 other failure. Only the requested output goes to stdout.
)";

// One row onto the parser: a switch binds its bool (so "--flag=false" works), a value flag its string.
// A repeated flag takes its last value, as gflags does (the framework's own usage notes repeat flags).
CLI::Option* AddFlag(CLI::App& app, const FlagRow& row, CommandLine& command_line) {
  CLI::Option* option = row.on != nullptr ? app.add_flag(Spellings(row), *row.on(command_line), row.help)
                                          : app.add_option(Spellings(row), *row.value(command_line), row.help);
  return option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

}  // namespace

Result<int32_t> ParseVersion(const std::string& text, bool zero_allowed) {
  std::string what = "--version '" + text + "'";
  bool negative = !text.empty() && text[0] == '-';
  std::string_view digits = negative ? std::string_view(text).substr(1) : std::string_view(text);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status(Code::kInvalidArgument, what + " is not a decimal number; versions are 1..2147483647");
  }
  if (negative) return Status(Code::kInvalidArgument, what + " is negative; versions are positive (1..2147483647)");
  int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || v > INT32_MAX) {
    return Status(Code::kInvalidArgument, what + " overflows; versions are 1..2147483647");
  }
  if (v == 0 && !zero_allowed) {
    return Status(Code::kInvalidArgument,
                  what + ": versions are positive; omit --version to store the next version (latest+1)");
  }
  return static_cast<int32_t>(v);
}

ParseOutcome ParseCommandLine(int argc, char** argv) {
  std::vector<std::string> args = NormalizeGflagsArgv(std::vector<std::string>(argv + 1, argv + argc), KindOfFlag);
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector form last-first
  CommandLine command_line;
  command_line.options.token_dir = tokendir::DefaultTokenDirectory();
  CLI::App app{"cf-osutility: the Certifier Framework's OS utility over the cf-pkcs11 token store"};
  app.footer(kExamples);
  std::vector<std::pair<const FlagRow*, CLI::Option*>> added;
  for (const FlagRow& row : FlagTable()) added.emplace_back(&row, AddFlag(app, row, command_line));
  ParseOutcome out;
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    out.exit_code = kExitOk;
    return out;
  } catch (const CLI::ParseError& e) {
    out.exit_code = Usage(std::string(e.what()) + " (see --help)");
    return out;
  }
  std::set<std::string> given;
  std::string framework_flag, our_flag;
  for (const auto& [row, option] : added) {
    if (row->given != nullptr) *row->given(command_line) = option->count() > 0;
    if (option->count() == 0) continue;
    given.insert(std::string(row->names[0]));
    if (row->mode == FlagMode::kFramework) framework_flag = row->names[0];
    if (row->mode == FlagMode::kOurs) our_flag = row->names[0];
  }
  if (command_line.framework.help) {
    std::cout << app.help();
    out.exit_code = kExitOk;
    return out;
  }
  if (!framework_flag.empty() && !our_flag.empty()) {
    out.exit_code = Usage("--" + framework_flag + " (the framework's cf_utility, its files in --data_dir) and --" +
                          our_flag + " (our token directory) contradict each other: use one command line or the other");
    return out;
  }
  out.exit_code =
      framework_flag.empty() ? CheckCommandLine(command_line) : CheckFrameworkCommandLine(command_line, given);
  out.options = std::move(command_line.options);
  return out;
}

}  // namespace cf::osutil
