// Framework mode's checks, in a fixed order: platform, operation, files, settings. Defaults are the framework's
// code's (cf_utility.cc DEFINE_* lines): data_dir ./cf_data/, domain datica, port 8124, aes-256-cbc-hmac-sha256,
// rsa-2048, output format serialized-protobuf, input in_1, output out_1, keys valid 8760 hours.
#include "tools/cf-osutility/framework_checks.h"

#include <charconv>
#include <cstdlib>
#include <optional>

#include "common/atomic_file.h"
#include "common/cf_cipher.h"
#include "proto/key_codec.h"
#include "tools/cf-osutility/flag_checks.h"
#include "tools/cf-osutility/flags.h"
#include "tools/cf-osutility/formats.h"

namespace cf::osutil {
namespace {

using Stop = std::optional<int>;

std::string OrDefault(const std::string& value, const char* fallback) { return value.empty() ? fallback : value; }

std::optional<int64_t> ParseInt(const std::string& text, int64_t low, int64_t high) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < low || v > high) return std::nullopt;
  return v;
}

Stop CheckPlatform(CommandLine& c, const std::set<std::string>& given) {
  const auto& f = c.framework;
  if (f.run_first_pass)
    return Usage(
        "--run_first_pass is the framework's TPM credential activation; cf-osutility has no TPM 2.0 "
        "platform yet, so it refuses rather than skip it");
  const std::string& type = c.options.enclave_type;
  if (type == "tpm-enclave")
    return Usage(
        "--enclave_type=tpm-enclave: the framework's TPM 2.0 files (--data_dir) are not supported; our TPM "
        "platform is: cf-osutility --token-dir DIR --enclave-type tpm-enclave [--tpm-device /dev/tpmrm0]");
  if (type != "simulated-enclave" && type != "sev-enclave")
    return Usage("unknown --enclave_type '" + type + "'; use simulated-enclave or sev-enclave");
  const bool sev = type == "sev-enclave";
  for (const char* flag : {"attest-key-file", "measurement-file", "platform-attest-endorsement-file"})
    if (sev && given.count(flag))
      return Usage("--" + std::string(flag) + " belongs to the simulated enclave, not --enclave_type=sev-enclave");
  for (const char* flag : {"ark-cert-file", "ask-cert-file", "vcek-cert-file"})
    if (!sev && given.count(flag))
      return Usage("--" + std::string(flag) + " belongs to --enclave_type=sev-enclave, not the simulated enclave");
  return std::nullopt;
}

Stop ChooseOperation(CommandLine& c) {
  Options& o = c.options;
  auto& f = c.framework;
  // The framework's switch form reads its file from --input_file / --output_file; ours names the file itself.
  auto switch_or_file = [](const std::string& v) { return v.empty() || v == "false" ? std::string() : v; };
  std::string put = switch_or_file(c.put_file), import = switch_or_file(c.import_file),
              exported = switch_or_file(c.export_file);
  int ops = 0;
  auto pick = [&](bool on, Operation op) {
    if (!on) return;
    ++ops;
    o.operation = op;
  };
  pick(c.init_trust || f.reinit_trust, Operation::kInitTrust);
  pick(f.generate_symmetric || f.generate_public, Operation::kGenerateKey);
  pick(c.get_item, Operation::kGetItem);
  pick(!put.empty(), Operation::kPutItem);
  pick(!import.empty(), Operation::kImport);
  pick(!exported.empty(), Operation::kExport);
  if (f.generate_symmetric && f.generate_public)
    return Usage("--generate_symmetric_key and --generate_public_key contradict each other: give one per call");
  if (ops > 1)
    return Usage(
        "give one operation at a time (--init_trust, --reinit_trust, --generate_symmetric_key, "
        "--generate_public_key, --get_item, --put_item, --import_cryptstore, --export_cryptstore); "
        "--print_cryptstore may accompany any");
  if (ops == 0 && c.print) o.operation = Operation::kPrint;
  if (ops == 1) o.print_after = c.print;
  if (o.operation == Operation::kNone) {
    if (!c.save) return Usage("no operation given; see --help (or --cf_utility_help)");
    std::cerr << "cf-osutility: nothing to save: every write is saved when it is made\n";
    return kExitOk;
  }
  o.framework.reinit = f.reinit_trust;
  const std::string default_input = OrDefault(f.input_file, "in_1");
  for (const std::string* file : {&put, &import}) {
    if (*file == "true")
      o.input_file = default_input;
    else if (!file->empty())
      o.input_file = *file;
  }
  if (!exported.empty() && exported != "true") o.output_file = exported;
  if ((put != "true" && !put.empty()) || (import != "true" && !import.empty()))
    if (!f.input_file.empty()) return Usage("--input_file and a file after --put_item/--import_cryptstore contradict");
  if (c.exportable_given) o.exportable = c.exportable;
  return std::nullopt;
}

Stop ResolveFiles(CommandLine& c, const std::set<std::string>& given) {
  Options& o = c.options;
  FrameworkOptions& fw = o.framework;
  fw.data_dir = OrDefault(c.framework.data_dir, "./cf_data/");
  if (fw.data_dir.back() != '/') fw.data_dir += '/';
  fw.domain = OrDefault(o.policy_domain, "datica");
  if (fw.domain.find('/') != std::string::npos) return Usage("--policy_domain_name '" + fw.domain + "' has a '/'");
  fw.cryptstore_path =
      JoinDataDir(fw.data_dir, OrDefault(o.encrypted_cryptstore_filename, "encrypted_cryptstore.datica"));
  fw.policy_store_path = JoinDataDir(fw.data_dir, OrDefault(c.policy_store_text, "policy_store.datica"));
  std::string cert = OrDefault(o.policy_cert_file, "policy_certificate.datica");
  fw.policy_cert_path = JoinDataDir(fw.data_dir + "cf_data/", cert);
  if (cert[0] != '/' && !FileExists(fw.policy_cert_path)) fw.policy_cert_path = fw.data_dir + cert;
  if (!c.framework.trust_anchors.empty()) fw.trust_anchors_path = JoinDataDir(fw.data_dir, c.framework.trust_anchors);
  const std::string platform_dir = fw.data_dir + "cf_data/";
  fw.attest_key_file = JoinDataDir(platform_dir, OrDefault(c.framework.attest_key_file, "attest_key_file.bin"));
  fw.measurement_file = JoinDataDir(platform_dir, OrDefault(c.framework.measurement_file, "cf_utility.measurement"));
  fw.endorsement_file =
      JoinDataDir(platform_dir, OrDefault(c.framework.endorsement_file, "platform_attest_endorsement.bin"));
  // Our SEV enclave reads ark.der, ask.der and vcek.der from one directory (after the host's certificate table).
  fw.sev_cert_directory = platform_dir;
  const std::pair<const std::string*, const char*> sev_files[] = {{&c.framework.ark_cert_file, "ark.der"},
                                                                  {&c.framework.ask_cert_file, "ask.der"},
                                                                  {&c.framework.vcek_cert_file, "vcek.der"}};
  std::optional<std::string> sev_dir;
  for (const auto& [flag, name] : sev_files) {
    if (flag->empty()) continue;
    std::string path = JoinDataDir(fw.data_dir, *flag);
    size_t slash = path.rfind('/');
    std::string dir = path.substr(0, slash + 1), base = path.substr(slash + 1);
    if (base != name || (sev_dir && *sev_dir != dir))
      return Usage("the SEV certificate files must be " +
                   std::string("ark.der, ask.der and vcek.der in one directory "
                               "(cf-osutility reads them by those names); '") +
                   *flag + "' is not; rename or link them");
    sev_dir = dir;
  }
  if (sev_dir) fw.sev_cert_directory = *sev_dir;
  // The framework writes to out_1 unless told; a generated key is written out only when --output_file is given.
  const bool export_names_file = !c.export_file.empty() && c.export_file != "true" && c.export_file != "false";
  fw.output_file_given = given.count("output-file") > 0;
  if (!fw.output_file_given && !export_names_file) o.output_file = "out_1";
  return std::nullopt;
}

Stop CheckSettings(CommandLine& c, const std::set<std::string>& given) {
  Options& o = c.options;
  FrameworkOptions& fw = o.framework;
  const auto& f = c.framework;
  fw.host = OrDefault(f.certifier_url, "localhost");
  auto port = ParseInt(OrDefault(f.service_port, "8124"), 1, 65535);
  if (!port) return Usage("--service_port '" + f.service_port + "' is not a port (1..65535)");
  fw.port = static_cast<uint16_t>(*port);
  auto level = ParseInt(OrDefault(f.print_level, "1"), 0, 10);
  if (!level) return Usage("--print_level '" + f.print_level + "' is not a number 0..10");
  fw.print_level = static_cast<int>(*level);
  // The framework's --duration is a double, in hours.
  const std::string duration = OrDefault(f.duration, "8760");
  char* end = nullptr;
  double hours = std::strtod(duration.c_str(), &end);
  if (end != duration.c_str() + duration.size() || !(hours > 0 && hours <= 24.0 * 366 * 100))
    return Usage("--duration '" + f.duration + "' is not a number of hours (more than 0, at most 878,400)");
  fw.validity_seconds = static_cast<int64_t>(hours * 3600);
  const std::string& sym = o.symmetric_algorithm;
  fw.new_file_key_type = cfcipher::KeySize(sym) > 0 ? sym : cfcipher::kCbcHmacSha256;
  if (cfcipher::KeySize(sym) > 0) fw.file_key_type = sym;
  if (!sym.empty() && !keys::IsSymmetricAlgorithm(sym))
    return Usage("unknown --symmetric_key_algorithm '" + sym +
                 "'; use aes-256-cbc-hmac-sha256, aes-256-gcm, aes-256-cbc-hmac-sha384 or aes-256");
  if (!o.public_key_algorithm.empty() && !IsPublicKeyAlgorithm(o.public_key_algorithm))
    return Usage("unknown --public_key_algorithm '" + o.public_key_algorithm +
                 "'; use rsa-2048, rsa-3072, rsa-4096, ecc-256 or ecc-384");
  if (o.operation == Operation::kGenerateKey) {
    fw.generate_algorithm =
        f.generate_symmetric ? OrDefault(sym, cfcipher::kCbcHmacSha256) : OrDefault(o.public_key_algorithm, "rsa-2048");
    fw.keyname = OrDefault(f.keyname, o.tag.empty() ? "primary-store-encryption-key" : o.tag.c_str());
    if (o.tag.empty()) o.tag = fw.keyname;
    if (o.tag != fw.keyname)
      return Usage("--keyname '" + fw.keyname + "' and --entry_tag '" + o.tag +
                   "' contradict: the framework stores a generated key under its name; give one or the same");
  }
  if (!given.count("output-format")) o.output_format = "serialized-protobuf";
  if (auto out = ParseOutputFormat(o.output_format); !out.ok()) return Usage(out.status().message());
  if (auto in = ParseInputFormat(o.input_format); !in.ok()) return Usage(in.status().message());
  return std::nullopt;
}

Stop CheckEntry(CommandLine& c) {
  Options& o = c.options;
  bool needs_tag = o.operation == Operation::kGetItem || o.operation == Operation::kPutItem;
  if (needs_tag && o.tag.empty()) return Usage("--entry_tag is missing; give the entry's tag");
  if (!c.version_text.empty()) {
    auto version = ParseVersion(c.version_text, /*zero_allowed=*/true);  // the framework's 0 = unspecified
    if (!version.ok()) return Usage(version.status().message());
    o.version = *version;
  }
  return std::nullopt;
}

}  // namespace

std::string JoinDataDir(const std::string& dir, const std::string& name) {
  if (!name.empty() && name[0] == '/') return name;
  return dir + name;
}

int CheckFrameworkCommandLine(CommandLine& c, const std::set<std::string>& given) {
  c.options.framework.active = true;
  Stop stop = CheckPlatform(c, given);
  if (!stop) stop = ChooseOperation(c);
  if (!stop) stop = ResolveFiles(c, given);
  if (!stop) stop = CheckSettings(c, given);
  if (!stop) stop = CheckEntry(c);
  return stop.value_or(-1);
}

}  // namespace cf::osutil
