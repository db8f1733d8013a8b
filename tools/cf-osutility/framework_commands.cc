// The framework's cf_utility operations other than certification, on its files. Reads judge what may leave by the
// one egress rule (entries/egress_rule.h): a local --get_item returns an entry whatever its exportable flag, as the
// framework's does; --export_cryptstore writes only what may leave the VM.
#include "tools/cf-osutility/framework_commands.h"

#include <iostream>

#include "attest/cf_compat/framework_sev_enclave.h"
#include "attest/cf_compat/framework_simulated_enclave.h"
#include "common/log.h"
#include "entries/egress_rule.h"
#include "proto/key_codec.h"
#include "tokendir/enclave_adapters.h"
#include "tools/cf-osutility/formats.h"
#include "tools/cf-osutility/framework_policy_store.h"
#include "tools/cf-osutility/item_view.h"
#include "tools/cf-osutility/tool_io.h"

namespace cf::osutil {
namespace {

Result<SecureBytes> Formatted(const store::Entry& entry, const std::string& format_name) {
  CF_ASSIGN_OR_RETURN(Format format, ParseOutputFormat(format_name));
  CF_ASSIGN_OR_RETURN(SecureBytes bytes, ItemBytes(entry, format));
  return EncodeForOutput(format, bytes);
}

Status GenerateKey(const Options& o, FrameworkCryptstore& store) {
  const FrameworkOptions& fw = o.framework;
  CF_ASSIGN_OR_RETURN(wire::key_message key,
                      keys::GenerateKeyMessage(fw.generate_algorithm, fw.keyname, fw.validity_seconds));
  SecureString blob(key.ByteSizeLong(), '\0');
  key.SerializeToArray(blob.data(), static_cast<int>(blob.size()));
  key.mutable_secret_key_bits()->assign(key.secret_key_bits().size(), '\0');
  // The framework stores generated keys exportable (its key service may release them) unless told otherwise.
  CF_ASSIGN_OR_RETURN(int32_t version, store.Add(o.tag, kKeyMessageType, o.version.value_or(0),
                                                 AsBytes(std::string_view(blob)), o.exportable.value_or(true)));
  CF_RETURN_IF_ERROR(store.Save());
  std::cerr << "cf-osutility: stored " << key.key_type() << " key '" << o.tag << "' version " << version << " in "
            << store.path() << "\n";
  if (!fw.output_file_given) return Status::Ok();
  CF_ASSIGN_OR_RETURN(store::Entry entry, store.Get(o.tag, kKeyMessageType, version));
  CF_ASSIGN_OR_RETURN(SecureBytes out, Formatted(entry, o.output_format));
  return WriteOutput(o.output_file, out);
}

Status GetItem(const Options& o, const FrameworkCryptstore& store) {
  CF_ASSIGN_OR_RETURN(store::Entry entry, store.Get(o.tag, o.type, o.version.value_or(0)));
  CF_ASSIGN_OR_RETURN(SecureBytes out, Formatted(entry, o.output_format));
  return WriteOutput(o.output_file, out);
}

Status PutItem(const Options& o, FrameworkCryptstore& store) {
  const std::string type = o.type.empty() ? kKeyMessageType : o.type;  // the framework's --entry_type default
  CF_RETURN_IF_ERROR(RefuseTokenType(type, "--put_item"));
  CF_ASSIGN_OR_RETURN(SecureBytes raw, ReadInput(o.input_file));
  std::string source = "input file '" + o.input_file + "'";
  // The framework stores the input file's bytes as they are whatever --input_format says; hex and base64 (ours)
  // are decoded.
  CF_ASSIGN_OR_RETURN(Format format, ParseInputFormat(o.input_format));
  if (format != Format::kHex && format != Format::kBase64) format = Format::kRaw;
  CF_ASSIGN_OR_RETURN(SecureBytes value, DecodeInput(format, raw, source));
  CF_RETURN_IF_ERROR(CheckBlobSize(value.size(), source));
  CF_RETURN_IF_ERROR(CheckPayload(type, value, source).Annotate("--entry_type " + type));
  CF_ASSIGN_OR_RETURN(int32_t version,
                      store.Add(o.tag, type, o.version.value_or(0), value, o.exportable.value_or(false)));
  CF_RETURN_IF_ERROR(store.Save());
  std::cerr << "cf-osutility: stored '" << o.tag << "' type '" << type << "' version " << version << " ("
            << value.size() << " bytes) in " << store.path() << "\n";
  return Status::Ok();
}

Status Print(const FrameworkCryptstore& store) {
  std::string out;
  for (const store::Entry& e : store.List()) {
    out += "tag: " + e.info.tag + "\ttype: " + e.info.type + "\tversion: " + std::to_string(e.info.version) +
           "\ttime: " + e.info.time_entered + "\texportable: " + (e.info.exportable ? "yes" : "no") +
           "\tvalue: " + DescribeEntry(e) + "\n";
  }
  std::cerr << "cf-osutility: " << store.content().entries_size() << " entries in " << store.path() << "\n";
  return WriteOutput("-", AsBytes(out));
}

Status Import(const Options& o, FrameworkCryptstore& store) {
  CF_ASSIGN_OR_RETURN(SecureBytes raw, ReadInput(o.input_file));
  wire::cryptstore in;
  if (!in.ParseFromArray(raw.data(), static_cast<int>(raw.size())))
    return Status(Code::kInvalidArgument, "'" + o.input_file + "' is not a serialized cryptstore (malformed)");
  for (const auto& e : in.entries()) CF_RETURN_IF_ERROR(RefuseTokenType(e.type(), "--import_cryptstore"));
  // All or nothing: a conflict anywhere stops before the file is written.
  for (const auto& e : in.entries())
    CF_RETURN_IF_ERROR(store.Add(e.tag(), e.type(), e.version(), AsBytes(e.blob()), e.exportable()).status());
  CF_RETURN_IF_ERROR(store.Save());  // the framework's code never saves an import (WIRE.md): we do
  std::cerr << "cf-osutility: imported " << in.entries_size() << " entries into " << store.path() << "\n";
  return Status::Ok();
}

Status Export(const Options& o, const FrameworkCryptstore& store) {
  wire::cryptstore out;
  size_t withheld = 0;
  for (const auto& e : store.content().entries()) {
    Status may = entries::JudgeEgress(ToStoreEntry(e), entries::EgressPath::kLeaveVm);
    if (may.ok()) {
      *out.add_entries() = e;
      continue;
    }
    ++withheld;
    std::cerr << "cf-osutility: withheld " << may.message() << "\n";
  }
  SecureString bytes(out.ByteSizeLong(), '\0');
  out.SerializeToArray(bytes.data(), static_cast<int>(bytes.size()));
  for (auto& e : *out.mutable_entries()) e.mutable_blob()->assign(e.blob().size(), '\0');
  CF_RETURN_IF_ERROR(WriteOutput(o.output_file, AsBytes(std::string_view(bytes))));
  std::cerr << "cf-osutility: exported " << out.entries_size() << " entries, withheld " << withheld
            << " that may not leave this VM (plaintext: protect '" << o.output_file << "')\n";
  return Status::Ok();
}

// The framework's cf_utility generates, gets and puts only in a domain its policy store says is certified.
Status RequireCertifiedDomain(const Options& o, const FrameworkPlatform& platform) {
  const FrameworkOptions& fw = o.framework;
  CF_ASSIGN_OR_RETURN(FrameworkPolicyStore policy, FrameworkPolicyStore::Open(fw.policy_store_path, platform.sealer));
  if (policy.CertifiedDomain(fw.domain)) return Status::Ok();
  return Status(Code::kFailedPrecondition, "domain '" + fw.domain + "' is not certified in the policy store '" +
                                               fw.policy_store_path + "'; run --init_trust=true first");
}

}  // namespace

Result<FrameworkPlatform> OpenFrameworkPlatform(const Options& o) {
  const FrameworkOptions& fw = o.framework;
  FrameworkPlatform out;
  if (o.enclave_type == attest::kSevEnclave) {
    CF_ASSIGN_OR_RETURN(out.enclave, attest::cfcompat::OpenFrameworkSevEnclave(fw.sev_cert_directory));
  } else {
    attest::cfcompat::FrameworkPlatformFiles files{fw.attest_key_file, fw.measurement_file, fw.endorsement_file};
    CF_ASSIGN_OR_RETURN(out.enclave, attest::cfcompat::OpenFrameworkSimulatedEnclave(files));
  }
  out.sealer = std::make_shared<tokendir::EnclaveSealer>(out.enclave);
  return out;
}

Result<FrameworkCryptstore> OpenFrameworkStore(const Options& o, const FrameworkPlatform& platform, bool create) {
  const FrameworkOptions& fw = o.framework;
  CF_ASSIGN_OR_RETURN(FrameworkCryptstore store, FrameworkCryptstore::Open(fw.cryptstore_path, platform.sealer, create,
                                                                           fw.new_file_key_type, fw.file_key_type));
  for (const std::string& twice : store.Duplicates()) {
    log::Warning("cf-osutility: '" + store.path() + "' holds " + twice);
    std::cerr << "cf-osutility: warning: '" << store.path() << "' holds " << twice
              << " (the framework's put_item wrote them); both are kept, a get returns the first\n";
  }
  return store;
}

Status RunFramework(const Options& o) {
  if (o.operation == Operation::kInitTrust) {
    CF_RETURN_IF_ERROR(FrameworkInitTrust(o));
    if (!o.print_after) return Status::Ok();
  }
  CF_ASSIGN_OR_RETURN(FrameworkPlatform platform, OpenFrameworkPlatform(o));
  if (o.operation == Operation::kGenerateKey || o.operation == Operation::kGetItem ||
      o.operation == Operation::kPutItem)
    CF_RETURN_IF_ERROR(RequireCertifiedDomain(o, platform));
  CF_ASSIGN_OR_RETURN(FrameworkCryptstore store, OpenFrameworkStore(o, platform, false));
  Status done = Status::Ok();
  switch (o.operation) {
    case Operation::kGenerateKey:
      done = GenerateKey(o, store);
      break;
    case Operation::kGetItem:
      done = GetItem(o, store);
      break;
    case Operation::kPutItem:
      done = PutItem(o, store);
      break;
    case Operation::kImport:
      done = Import(o, store);
      break;
    case Operation::kExport:
      done = Export(o, store);
      break;
    case Operation::kPrint:
      return Print(store);
    default:
      break;
  }
  CF_RETURN_IF_ERROR(done);
  return o.print_after ? Print(store) : Status::Ok();
}

}  // namespace cf::osutil
