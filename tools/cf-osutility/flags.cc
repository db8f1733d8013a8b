// Flag table and command-line checks for cf-osutility. CLI11 parses; we then decide the one operation and check
// tags, versions, algorithms and formats so that a usage error is one line on stderr and exit 1.
#include "tools/cf-osutility/flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <iostream>

#include "common/atomic_file.h"
#include "cryptstore/store.h"
#include "proto/key_codec.h"
#include "tokendir/token_storage.h"
#include "tools/cf-osutility/certification.h"
#include "tools/cf-osutility/formats.h"

namespace cf::osutil {
namespace {

constexpr char kExamples[] = R"(
Examples (the store is <token-dir>, or <token-dir>/domains/<name> with --policy-domain):
  cf-osutility --init-trust --enclave-type simulated-enclave
  cf-osutility --init-trust --certifier-address 127.0.0.1:8123 --policy-cert-file policy_cert.pem
  cf-osutility --generate-and-save-key --symmetric-algorithm aes-256-gcm --tag disk-key
  cf-osutility --generate-and-save-key --public-key-algorithm rsa-3072 --tag signer
  cf-osutility --put-item note.txt --tag note --type binary-blob
  cf-osutility --get-item --tag note --output-format hex
  cf-osutility --get-item --tag signer --output-format public-der --output-file signer.spki.der
  cf-osutility --earliest-version --tag note ; cf-osutility --latest-version --tag note
  cf-osutility --print-cryptstore
  cf-osutility --export-cryptstore plain.bin ; cf-osutility --backend cf-file --import-cryptstore plain.bin
Versions: positive; --put-item without --version stores latest+1; --get-item without --version (or 0) reads
the latest. Formats: raw, hex, base64, key-message-serialized-protobuf, cryptstore-entry (serialized
cryptstore_entry; "serialized-protobuf" is the framework's name for it), public-der (output only).
Exit codes: 0 ok, 1 usage, 2 not found, 3 other failure. Only the requested output goes to stdout.
)";

int Usage(const std::string& message) {
  std::cerr << "cf-osutility: " << message << "\n";
  return kExitUsage;
}

// Names in both spellings: "--init-trust,--init_trust".
std::string Both(std::initializer_list<const char*> names) {
  std::string out;
  for (const char* n : names) {
    std::string hyphen = std::string("--") + n;
    std::string underscore = hyphen;
    for (size_t i = 2; i < underscore.size(); ++i) {
      if (underscore[i] == '-') underscore[i] = '_';
    }
    out += (out.empty() ? "" : ",") + hyphen;
    if (underscore != hyphen) out += "," + underscore;
  }
  return out;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

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
  ParseOutcome out;
  Options& o = out.options;
  CLI::App app{"cf-osutility: the Certifier Framework's OS utility over the cf-pkcs11 token store"};
  app.footer(kExamples);
  bool init_trust = false, generate = false, get_item = false, print = false, earliest = false, latest = false;
  bool save = false;
  std::string version_text, pin_file, put_file, import_file, export_file;
  std::string pin_text;
  o.token_dir = tokendir::DefaultTokenDirectory();

  app.add_flag(Both({"init-trust", "reinit-trust"}), init_trust, "initialise the platform and this domain's store");
  app.add_option(Both({"enclave-type"}), o.enclave_type, "simulated-enclave (default) or sev-enclave");
  app.add_option(Both({"policy-store-name", "policy-store-filename"}), o.policy_store_name,
                 "name of the domain's trust record inside the store (default policy-store)");
  app.add_option(Both({"encrypted-cryptstore-filename"}), o.encrypted_cryptstore_filename,
                 "cf-file backend: file name in the domain directory (default encrypted_cryptstore.datica)");
  app.add_option(Both({"cryptstore-name"}), o.cryptstore_name,
                 "sqlite backend: database file name in the domain directory (default cryptstore.sqlite)");
  app.add_option(Both({"sealed-key-filename"}), o.sealed_key_directory,
                 "directory of the platform's sealing state (default <token-dir>/platform)");
  app.add_option(Both({"symmetric-algorithm", "symmetric-key-algorithm"}), o.symmetric_algorithm,
                 "aes-256-gcm, aes-256-cbc-hmac-sha256, aes-256-cbc-hmac-sha384, aes-256");
  app.add_option(Both({"public-key-algorithm"}), o.public_key_algorithm,
                 "rsa-2048, rsa-3072, rsa-4096, ecc-256 (P-256), ecc-384 (P-384)");
  app.add_flag(Both({"generate-and-save-key"}), generate, "generate a key and store it as a key_message entry");
  app.add_flag(Both({"get-item"}), get_item, "write an entry (--tag, --version, --type) to --output-file");
  app.add_option(Both({"put-item"}), put_file, "store the contents of FILE ('-' = stdin) under --tag");
  app.add_option(Both({"tag"}), o.tag, "entry tag (non-empty UTF-8)");
  app.add_option(Both({"version"}), version_text, "entry version (positive; default: latest / latest+1)");
  app.add_option(Both({"type"}), o.type, "X509-der-cert, key-message-serialized-protobuf, binary-blob, ...");
  app.add_option(Both({"output-file"}), o.output_file, "where --get-item writes ('-' = stdout, the default)");
  app.add_option(Both({"output-format"}), o.output_format, "raw (default), hex, base64, "
                 "key-message-serialized-protobuf, cryptstore-entry, public-der");
  app.add_option(Both({"input-format"}), o.input_format, "raw (default), hex, base64, "
                 "key-message-serialized-protobuf, cryptstore-entry");
  app.add_flag(Both({"print-cryptstore"}), print, "describe every entry (never secret bytes)");
  app.add_flag(Both({"earliest-version"}), earliest, "print the earliest version of --tag");
  app.add_flag(Both({"latest-version"}), latest, "print the latest version of --tag");
  app.add_flag(Both({"save-cryptstore"}), save, "accepted for compatibility: every write is saved durably");
  app.add_option(Both({"import-cryptstore"}), import_file, "add the entries of a plaintext serialized cryptstore");
  app.add_option(Both({"export-cryptstore"}), export_file, "write the entries as a plaintext serialized cryptstore");
  app.add_option(Both({"token-dir"}), o.token_dir, "token directory (default $CF_PKCS11_TOKEN_DIR or per user)");
  app.add_option(Both({"backend"}), o.backend, "sqlite (default) or cf-file");
  app.add_option(Both({"policy-domain", "policy-domain-name"}), o.policy_domain,
                 "policy domain: an independent store in <token-dir>/domains/<name>");
  app.add_option(Both({"pin"}), pin_text, "user PIN: read/write PIN-protected entries");
  app.add_option(Both({"pin-file"}), pin_file, "file holding the user PIN (first line)");
  bool exportable = true;
  auto* exportable_opt = app.add_flag(Both({"exportable"}), exportable,
                                      std::string("entry may leave the store (default: generated keys yes, put "
                                                  "items no); --exportable=false to refuse"));
  app.add_option(Both({"certifier-address"}), o.certifier_address,
                 "with --init-trust: certify against the Certifier Service at HOST:PORT");
  app.add_option(Both({"policy-cert-file", "policy-key-cert-file"}), o.policy_cert_file,
                 "the policy certificate (DER or PEM) the Certifier Service signs with; needed by --certifier-address");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    out.exit_code = kExitOk;
    return out;
  } catch (const CLI::ParseError& e) {
    out.exit_code = Usage(std::string(e.what()) + " (see --help)");
    return out;
  }
  if (exportable_opt->count() > 0) o.exportable = exportable;

  int ops = 0;
  auto pick = [&](bool on, Operation op) {
    if (on) {
      ++ops;
      o.operation = op;
    }
  };
  pick(init_trust, Operation::kInitTrust);
  pick(generate, Operation::kGenerateKey);
  pick(get_item, Operation::kGetItem);
  pick(!put_file.empty(), Operation::kPutItem);
  pick(earliest, Operation::kEarliestVersion);
  pick(latest, Operation::kLatestVersion);
  pick(!import_file.empty(), Operation::kImport);
  pick(!export_file.empty(), Operation::kExport);
  if (ops > 1) {
    out.exit_code = Usage("give one operation at a time (--init-trust, --generate-and-save-key, --get-item, "
                          "--put-item, --earliest-version, --latest-version, --import-cryptstore, "
                          "--export-cryptstore); --print-cryptstore may accompany any");
    return out;
  }
  if (ops == 0 && print) o.operation = Operation::kPrint;
  if (ops == 1) o.print_after = print;
  if (o.operation == Operation::kNone) {
    if (save) {
      std::cerr << "cf-osutility: nothing to save: every write is saved when it is made\n";
      out.exit_code = kExitOk;
    } else {
      out.exit_code = Usage("no operation given; see --help for the operations and examples");
    }
    return out;
  }
  o.input_file = o.operation == Operation::kImport ? import_file : put_file;
  if (o.operation == Operation::kExport) o.output_file = export_file;

  if (o.token_dir.empty()) {
    out.exit_code = Usage("--token-dir is empty; give the token directory");
    return out;
  }
  if (!tokendir::ParseBackend(o.backend).ok()) {
    out.exit_code = Usage("unknown --backend '" + o.backend + "'; use sqlite or cf-file");
    return out;
  }
  if (o.enclave_type != "simulated-enclave" && o.enclave_type != "sev-enclave") {
    out.exit_code = Usage("unknown --enclave-type '" + o.enclave_type + "'; use simulated-enclave or sev-enclave");
    return out;
  }
  if (!o.policy_domain.empty() &&
      (o.policy_domain.find('/') != std::string::npos || o.policy_domain == "." || o.policy_domain == ".." ||
       !IsValidUtf8(o.policy_domain))) {
    out.exit_code = Usage("--policy-domain '" + o.policy_domain + "' must be a plain UTF-8 name without '/'");
    return out;
  }
  for (const std::string* name : {&o.cryptstore_name, &o.encrypted_cryptstore_filename}) {
    if (name->find('/') != std::string::npos) {
      out.exit_code = Usage("store file name '" + *name + "' must not contain '/'; use --token-dir for the place");
      return out;
    }
  }
  if (!o.certifier_address.empty() || !o.policy_cert_file.empty()) {
    if (o.operation != Operation::kInitTrust) {
      out.exit_code = Usage("--certifier-address and --policy-cert-file belong to --init-trust");
      return out;
    }
    if (o.certifier_address.empty() || o.policy_cert_file.empty()) {
      out.exit_code = Usage("certification needs both --certifier-address HOST:PORT and --policy-cert-file FILE");
      return out;
    }
    auto address = ParseCertifierAddress(o.certifier_address);
    if (!address.ok()) {
      out.exit_code = Usage(address.status().message());
      return out;
    }
  }
  bool needs_tag = o.operation == Operation::kGenerateKey || o.operation == Operation::kGetItem ||
                   o.operation == Operation::kPutItem || o.operation == Operation::kEarliestVersion ||
                   o.operation == Operation::kLatestVersion;
  if (needs_tag && o.tag.empty()) {
    out.exit_code = Usage("--tag is empty or missing; give the entry's tag");
    return out;
  }
  if (!o.tag.empty() && (!IsValidUtf8(o.tag) || o.tag.size() > store::kMaxTagSize)) {
    out.exit_code = Usage("--tag is not valid UTF-8 or is longer than " + std::to_string(store::kMaxTagSize) +
                          " bytes; give a UTF-8 tag");
    return out;
  }
  if (!version_text.empty()) {
    auto v = ParseVersion(version_text, o.operation == Operation::kGetItem);
    if (!v.ok()) {
      out.exit_code = Usage(v.status().message());
      return out;
    }
    o.version = *v;
  }
  if (o.operation == Operation::kGenerateKey) {
    if (!o.symmetric_algorithm.empty() && !o.public_key_algorithm.empty()) {
      out.exit_code = Usage("give --symmetric-algorithm or --public-key-algorithm, not both");
      return out;
    }
    if (o.symmetric_algorithm.empty() && o.public_key_algorithm.empty()) o.symmetric_algorithm = "aes-256-gcm";
    if (!o.symmetric_algorithm.empty() && !keys::IsSymmetricAlgorithm(o.symmetric_algorithm)) {
      out.exit_code = Usage("unknown --symmetric-algorithm '" + o.symmetric_algorithm +
                            "'; use aes-256-gcm, aes-256-cbc-hmac-sha256, aes-256-cbc-hmac-sha384 or aes-256");
      return out;
    }
    if (!o.public_key_algorithm.empty() && (keys::IsSymmetricAlgorithm(o.public_key_algorithm) ||
                                            !IsPublicKeyAlgorithm(o.public_key_algorithm))) {
      out.exit_code = Usage("unknown --public-key-algorithm '" + o.public_key_algorithm +
                            "'; use rsa-2048, rsa-3072, rsa-4096, ecc-256 or ecc-384");
      return out;
    }
  }
  if (!ParseOutputFormat(o.output_format).ok()) {
    out.exit_code = Usage(ParseOutputFormat(o.output_format).status().message());
    return out;
  }
  if (!ParseInputFormat(o.input_format).ok()) {
    out.exit_code = Usage(ParseInputFormat(o.input_format).status().message());
    return out;
  }
  if (!pin_text.empty() && !pin_file.empty()) {
    out.exit_code = Usage("give --pin or --pin-file, not both");
    return out;
  }
  if (!pin_text.empty()) o.pin = SecureString(pin_text.begin(), pin_text.end());
  std::fill(pin_text.begin(), pin_text.end(), '\0');
  if (!pin_file.empty()) {
    auto data = ReadFile(pin_file, 4096);
    if (!data.ok()) {
      out.exit_code = data.status().code() == Code::kNotFound ? kExitNotFound : kExitFailure;
      std::cerr << "cf-osutility: cannot read --pin-file '" << pin_file << "': " << data.status().message() << "\n";
      return out;
    }
    SecureString pin(data->begin(), data->end());
    std::fill(data->begin(), data->end(), 0);
    while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
    if (pin.empty()) {
      out.exit_code = Usage("--pin-file '" + pin_file + "' is empty; put the PIN on its first line");
      return out;
    }
    o.pin = std::move(pin);
  }
  return out;
}

}  // namespace cf::osutil
