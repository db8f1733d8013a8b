// The rows of cf-osutility's flags. Help texts are what --help prints; names are the framework's (cf_utility) and
// ours (--token-dir, --backend, --policy-domain, --pin, --certifier-address...).
#include "tools/cf-osutility/flag_table.h"

namespace cf::osutil {
namespace {

constexpr FlagRow kFlags[] = {
    {.names = {"init-trust", "reinit-trust"},
     .help = "initialise the platform and this domain's store",
     .on = [](CommandLine& c) { return &c.init_trust; }},
    {.names = {"enclave-type"},
     .help = "simulated-enclave (default) or sev-enclave",
     .value = [](CommandLine& c) { return &c.options.enclave_type; }},
    {.names = {"policy-store-name", "policy-store-filename"},
     .help = "name of the domain's trust record inside the store (default policy-store)",
     .value = [](CommandLine& c) { return &c.options.policy_store_name; }},
    {.names = {"encrypted-cryptstore-filename"},
     .help = "cf-file backend: file name in the domain directory (default encrypted_cryptstore.datica)",
     .value = [](CommandLine& c) { return &c.options.encrypted_cryptstore_filename; }},
    {.names = {"cryptstore-name"},
     .help = "sqlite backend: database file name in the domain directory (default cryptstore.sqlite)",
     .value = [](CommandLine& c) { return &c.options.cryptstore_name; }},
    {.names = {"sealed-key-filename"},
     .help = "directory of the platform's sealing state (default <token-dir>/platform)",
     .value = [](CommandLine& c) { return &c.options.sealed_key_directory; }},
    {.names = {"symmetric-algorithm", "symmetric-key-algorithm"},
     .help = "aes-256-gcm, aes-256-cbc-hmac-sha256, aes-256-cbc-hmac-sha384, aes-256",
     .value = [](CommandLine& c) { return &c.options.symmetric_algorithm; }},
    {.names = {"public-key-algorithm"},
     .help = "rsa-2048, rsa-3072, rsa-4096, ecc-256 (P-256), ecc-384 (P-384)",
     .value = [](CommandLine& c) { return &c.options.public_key_algorithm; }},
    {.names = {"generate-and-save-key"},
     .help = "generate a key and store it as a key_message entry",
     .on = [](CommandLine& c) { return &c.generate; }},
    {.names = {"get-item"},
     .help = "write an entry (--tag, --version, --type) to --output-file",
     .on = [](CommandLine& c) { return &c.get_item; }},
    {.names = {"put-item"},
     .help = "store the contents of FILE ('-' = stdin) under --tag",
     .value = [](CommandLine& c) { return &c.put_file; }},
    {.names = {"tag"}, .help = "entry tag (non-empty UTF-8)", .value = [](CommandLine& c) { return &c.options.tag; }},
    {.names = {"version"},
     .help = "entry version (positive; default: latest / latest+1)",
     .value = [](CommandLine& c) { return &c.version_text; }},
    {.names = {"type"},
     .help = "X509-der-cert, key-message-serialized-protobuf, binary-blob, ...",
     .value = [](CommandLine& c) { return &c.options.type; }},
    {.names = {"output-file"},
     .help = "where --get-item writes ('-' = stdout, the default)",
     .value = [](CommandLine& c) { return &c.options.output_file; }},
    {.names = {"output-format"},
     .help = "raw (default), hex, base64, key-message-serialized-protobuf, cryptstore-entry, public-der",
     .value = [](CommandLine& c) { return &c.options.output_format; }},
    {.names = {"input-format"},
     .help = "raw (default), hex, base64, key-message-serialized-protobuf, cryptstore-entry",
     .value = [](CommandLine& c) { return &c.options.input_format; }},
    {.names = {"print-cryptstore"},
     .help = "describe every entry (never secret bytes)",
     .on = [](CommandLine& c) { return &c.print; }},
    {.names = {"earliest-version"},
     .help = "print the earliest version of --tag",
     .on = [](CommandLine& c) { return &c.earliest; }},
    {.names = {"latest-version"},
     .help = "print the latest version of --tag",
     .on = [](CommandLine& c) { return &c.latest; }},
    {.names = {"save-cryptstore"},
     .help = "accepted for compatibility: every write is saved durably",
     .on = [](CommandLine& c) { return &c.save; }},
    {.names = {"import-cryptstore"},
     .help = "add the entries of a plaintext serialized cryptstore",
     .value = [](CommandLine& c) { return &c.import_file; }},
    {.names = {"export-cryptstore"},
     .help = "write the entries as a plaintext serialized cryptstore",
     .value = [](CommandLine& c) { return &c.export_file; }},
    {.names = {"token-dir"},
     .help = "token directory (default $CF_PKCS11_TOKEN_DIR or per user)",
     .value = [](CommandLine& c) { return &c.options.token_dir; }},
    {.names = {"backend"},
     .help = "sqlite (default) or cf-file",
     .value = [](CommandLine& c) { return &c.options.backend; }},
    {.names = {"policy-domain", "policy-domain-name"},
     .help = "policy domain: an independent store in <token-dir>/domains/<name>",
     .value = [](CommandLine& c) { return &c.options.policy_domain; }},
    {.names = {"pin"},
     .help = "user PIN: read/write PIN-protected entries",
     .value = [](CommandLine& c) { return &c.pin_text; }},
    {.names = {"pin-file"},
     .help = "file holding the user PIN (first line)",
     .value = [](CommandLine& c) { return &c.pin_file; }},
    {.names = {"exportable"},
     .help = "entry may leave the store through --export-cryptstore (default: no, for generated keys and put items)",
     .on = [](CommandLine& c) { return &c.exportable; },
     .given = [](CommandLine& c) { return &c.exportable_given; }},
    {.names = {"requires-admission"},
     .help = "with --generate-and-save-key or --put-item of a key: the PKCS#11 token lets the key be used only while "
             "it holds a valid admission certificate (CKA_CF_REQUIRES_ADMISSION); never exportable",
     .on = [](CommandLine& c) { return &c.options.requires_admission; }},
    {.names = {"certifier-address"},
     .help = "with --init-trust: certify against the Certifier Service at HOST:PORT",
     .value = [](CommandLine& c) { return &c.options.certifier_address; }},
    {.names = {"policy-cert-file", "policy-key-cert-file"},
     .help = "the policy certificate (DER or PEM) the Certifier Service signs with; needed by --certifier-address",
     .value = [](CommandLine& c) { return &c.options.policy_cert_file; }},
};

}  // namespace

std::span<const FlagRow> FlagTable() { return kFlags; }

std::string Spellings(const FlagRow& row) {
  std::string out;
  for (std::string_view name : row.names) {
    if (name.empty()) continue;
    std::string hyphen = "--" + std::string(name);
    std::string underscore = hyphen;
    for (size_t i = 2; i < underscore.size(); ++i) {
      if (underscore[i] == '-') underscore[i] = '_';
    }
    out += (out.empty() ? "" : ",") + hyphen;
    if (underscore != hyphen) out += "," + underscore;
  }
  return out;
}

}  // namespace cf::osutil
