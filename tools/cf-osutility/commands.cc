// cf-osutility's operations over the domain's Store (see domain.h). Version rules are the store's (the
// framework's documented ones); exportability is judged in item_view.cc.
#include "tools/cf-osutility/commands.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/time_text.h"
#include "cryptstore/transfer.h"
#include "entries/egress_rule.h"
#include "proto/cryptstore.pb.h"
#include "proto/key_codec.h"
#include "tools/cf-osutility/certification.h"
#include "tools/cf-osutility/domain.h"
#include "tools/cf-osutility/formats.h"
#include "tools/cf-osutility/item_view.h"
#include "tools/cf-osutility/tool_io.h"

namespace cf::osutil {
namespace {

std::string TierName(store::Tier tier) { return tier == store::Tier::kUser ? "pin" : "platform"; }

store::Tier WriteTier(const Options& o) { return o.pin ? store::Tier::kUser : store::Tier::kPlatform; }

}  // namespace

Status InitTrust(const Options& o) {
  // A bad policy certificate is found before the platform or store is touched.
  Bytes policy_cert_der;
  if (!o.certifier_address.empty()) {
    CF_ASSIGN_OR_RETURN(policy_cert_der, LoadPolicyCertificate(o.policy_cert_file));
  }
  CF_ASSIGN_OR_RETURN(tokendir::TokenStorage storage, OpenDomain(o, true));
  std::string where = o.policy_domain.empty() ? "the default domain" : "domain '" + o.policy_domain + "'";
  std::string certified = "no";
  std::string report;
  if (!o.certifier_address.empty()) {
    CF_ASSIGN_OR_RETURN(CertificationOutcome outcome, CertifyDomain(o, policy_cert_der, storage));
    certified = "yes, by " + outcome.answered_by + " (" + kAdmissionCertTag + " version " +
                std::to_string(outcome.certificate_version) + ")";
    report = "cf-osutility: certified by the Certifier Service at " + outcome.answered_by +
             (outcome.attempts > 1 ? " after " + std::to_string(outcome.attempts) + " attempts" : "") + " (" +
             (outcome.auth_key_reused ? "existing" : "new") + " auth key): stored '" + kAdmissionCertTag +
             "' version " + std::to_string(outcome.certificate_version) + ", subject " + outcome.subject + "\n";
  }
  // The trust record: what this domain was initialised on, readable by later tools.
  std::string record = "enclave-type: " + storage.enclave->type() +
                       "\nmeasurement: " + HexEncode(storage.enclave->measurement()) + "\ninitialised: " + NowText() +
                       "\ncertified: " + certified + "\n";
  CF_RETURN_IF_ERROR(storage.store->PutMeta(o.policy_store_name, AsBytes(record)).Annotate("saving trust record"));
  std::cerr << "cf-osutility: initialised " << where << " in " << DomainDirectory(o) << " (" << o.backend << " store, "
            << storage.enclave->type() << ", measurement " << HexEncode(storage.enclave->measurement()) << ")\n"
            << report;
  return Status::Ok();
}

Status GenerateAndSaveKey(const Options& o) {
  const std::string& algorithm = o.symmetric_algorithm.empty() ? o.public_key_algorithm : o.symmetric_algorithm;
  CF_ASSIGN_OR_RETURN(wire::key_message key, keys::GenerateKeyMessage(algorithm, o.tag));
  CF_ASSIGN_OR_RETURN(tokendir::TokenStorage storage, OpenDomain(o, false));
  store::NewEntry entry;
  entry.tag = o.tag;
  entry.type = kKeyMessageType;
  entry.version = o.version.value_or(0);
  entry.blob.resize(key.ByteSizeLong());
  key.SerializeToArray(entry.blob.data(), static_cast<int>(entry.blob.size()));
  key.mutable_secret_key_bits()->assign(key.secret_key_bits().size(), '\0');
  // Not exportable unless asked (the framework's own default, --exportable=false): exportable means the key may
  // leave this VM, and the OS reads its keys locally anyway (--get-item ignores the flag for framework entries).
  entry.exportable = o.exportable.value_or(false);
  entry.requires_admission = o.requires_admission;
  entry.tier = WriteTier(o);
  CF_ASSIGN_OR_RETURN(store::EntryInfo info, storage.store->Put(entry));
  std::cerr << "cf-osutility: stored " << key.key_type() << " key '" << info.tag << "' version " << info.version
            << (info.exportable ? " (exportable" : " (not exportable")
            << (info.requires_admission ? ", usable only while the token is admitted)" : ")") << "\n";
  return Status::Ok();
}

Status GetItem(const Options& o) {
  CF_ASSIGN_OR_RETURN(Format format, ParseOutputFormat(o.output_format));
  CF_ASSIGN_OR_RETURN(tokendir::TokenStorage storage, OpenDomain(o, false));
  auto entry = storage.store->Get(o.tag, o.type, o.version.value_or(0));
  if (!entry.ok()) {
    if (entry.status().code() == Code::kFailedPrecondition && !o.pin) {
      return entry.status().Annotate("entry '" + o.tag + "' is PIN-protected; give --pin or --pin-file");
    }
    return entry.status();
  }
  CF_ASSIGN_OR_RETURN(SecureBytes bytes, ItemBytes(*entry, format));
  SecureBytes out = EncodeForOutput(format, bytes);
  return WriteOutput(o.output_file, out);
}

Status PutItem(const Options& o) {
  CF_RETURN_IF_ERROR(RefuseTokenType(o.type, "--put-item"));
  CF_ASSIGN_OR_RETURN(Format format, ParseInputFormat(o.input_format));
  CF_ASSIGN_OR_RETURN(SecureBytes raw, ReadInput(o.input_file));
  std::string source = o.input_file == "-" ? "stdin" : "input file '" + o.input_file + "'";
  if (format != Format::kCryptstoreEntry) CF_RETURN_IF_ERROR(CheckBlobSize(raw.size(), source));
  CF_ASSIGN_OR_RETURN(SecureBytes value, DecodeInput(format, raw, source));
  store::NewEntry entry;
  entry.tag = o.tag;
  entry.type = o.type.empty() ? kBlobType : o.type;
  entry.version = o.version.value_or(0);
  entry.exportable = o.exportable.value_or(false);
  if (format == Format::kCryptstoreEntry) {
    wire::cryptstore_entry in;
    if (!in.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return Status(Code::kInvalidArgument, source + " is not a serialized cryptstore_entry (malformed protobuf)");
    }
    value.assign(in.blob().begin(), in.blob().end());
    in.mutable_blob()->assign(in.blob().size(), '\0');
    if (o.type.empty() && !in.type().empty()) entry.type = in.type();
    CF_RETURN_IF_ERROR(RefuseTokenType(entry.type, "--put-item"));
    if (!o.version && in.version() > 0) entry.version = in.version();
    if (!o.exportable) entry.exportable = in.exportable();
    if (!in.time_entered().empty()) entry.time_entered = in.time_entered();
  } else if (format == Format::kKeyMessage) {
    if (!o.type.empty() && o.type != kKeyMessageType) {
      return Status(Code::kInvalidArgument, "--input-format key-message-serialized-protobuf stores type '" +
                                                std::string(kKeyMessageType) + "', not --type '" + o.type + "'");
    }
    entry.type = kKeyMessageType;
  }
  CF_RETURN_IF_ERROR(CheckBlobSize(value.size(), source));
  CF_RETURN_IF_ERROR(CheckPayload(entry.type, value, source));
  if (o.requires_admission) {
    if (entry.type != kKeyMessageType)
      return Status(Code::kInvalidArgument, "--requires-admission applies to keys (type '" +
                                                std::string(kKeyMessageType) + "'), not type '" + entry.type + "'");
    entry.requires_admission = true;
    entry.exportable = false;  // also when a cryptstore_entry input said exportable
  }
  entry.blob = std::move(value);
  entry.tier = WriteTier(o);
  CF_ASSIGN_OR_RETURN(tokendir::TokenStorage storage, OpenDomain(o, false));
  CF_ASSIGN_OR_RETURN(store::EntryInfo info, storage.store->Put(entry));
  std::cerr << "cf-osutility: stored '" << info.tag << "' type '" << info.type << "' version " << info.version << " ("
            << entry.blob.size() << " bytes, " << TierName(info.tier) << " tier)\n";
  return Status::Ok();
}

Status PrintCryptstore(const Options& o) {
  CF_ASSIGN_OR_RETURN(tokendir::TokenStorage storage, OpenDomain(o, false));
  CF_ASSIGN_OR_RETURN(std::vector<store::EntryInfo> infos, storage.store->List());
  std::string out;
  size_t hidden = 0;
  for (const store::EntryInfo& info : infos) {
    // A PIN-tier entry's name is as private as its value: without the PIN it is only counted.
    if (info.tier == store::Tier::kUser && !storage.store->user_key_open()) {
      ++hidden;
      continue;
    }
    auto entry = storage.store->GetById(info.id);
    std::string description = entry.ok() ? DescribeEntry(*entry) : "unreadable: " + entry.status().ToString();
    out += "tag: " + info.tag + "\ttype: " + info.type + "\tversion: " + std::to_string(info.version) +
           "\ttime: " + info.time_entered + "\texportable: " + (info.exportable ? "yes" : "no") +
           "\ttier: " + TierName(info.tier) + "\tvalue: " + description +
           (info.requires_admission ? "\trequires admission: yes" : "") + "\n";
  }
  std::cerr << "cf-osutility: " << infos.size() << " entries in " << storage.store->path();
  if (hidden > 0) std::cerr << " (" << hidden << " PIN-protected, not listed: give --pin or --pin-file to list them)";
  std::cerr << "\n";
  return WriteOutput("-", AsBytes(out));
}

Status PrintVersion(const Options& o, bool earliest) {
  CF_ASSIGN_OR_RETURN(tokendir::TokenStorage storage, OpenDomain(o, false));
  CF_ASSIGN_OR_RETURN(store::VersionRange range, storage.store->Versions(o.tag, o.type));
  std::string line = std::to_string(earliest ? range.earliest : range.latest) + "\n";
  return WriteOutput("-", AsBytes(line));
}

Status ImportCryptstore(const Options& o) {
  CF_ASSIGN_OR_RETURN(SecureBytes raw, ReadInput(o.input_file));
  wire::cryptstore entries;
  if (!entries.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) {
    return Status(Code::kInvalidArgument, "--import-cryptstore '" + o.input_file +
                                              "' is not a serialized cryptstore (malformed protobuf); give a file "
                                              "written by --export-cryptstore");
  }
  for (const auto& e : entries.entries()) CF_RETURN_IF_ERROR(RefuseTokenType(e.type(), "--import-cryptstore"));
  CF_ASSIGN_OR_RETURN(tokendir::TokenStorage storage, OpenDomain(o, false));
  CF_ASSIGN_OR_RETURN(store::ImportResult result,
                      store::ImportPlaintext(*storage.store, entries, WriteTier(o), store::OnDuplicate::kRefuse));
  std::cerr << "cf-osutility: imported " << result.imported << " entries into " << storage.store->path() << "\n";
  return Status::Ok();
}

Status ExportCryptstore(const Options& o) {
  CF_ASSIGN_OR_RETURN(tokendir::TokenStorage storage, OpenDomain(o, false));
  // The file is plaintext that may leave this VM: only what the egress rule lets leave goes in.
  auto may_leave = [](const store::Entry& e) { return entries::JudgeEgress(e, entries::EgressPath::kLeaveVm); };
  CF_ASSIGN_OR_RETURN(store::ExportResult result, store::ExportPlaintext(*storage.store, o.pin.has_value(), may_leave));
  wire::cryptstore& entries = result.entries;
  SecureBytes bytes(entries.ByteSizeLong());
  entries.SerializeToArray(bytes.data(), static_cast<int>(bytes.size()));
  for (auto& e : *entries.mutable_entries()) e.mutable_blob()->assign(e.blob().size(), '\0');
  CF_RETURN_IF_ERROR(WriteOutput(o.output_file, bytes));
  for (const std::string& why : result.withheld) {
    log::Warning("cf-osutility: --export-cryptstore withheld " + why);
    std::cerr << "cf-osutility: withheld " << why << "\n";
  }
  std::cerr << "cf-osutility: exported " << entries.entries_size() << " entries, withheld " << result.withheld.size()
            << " that may not leave this VM (plaintext: protect "
            << (o.output_file == "-" ? std::string("the output") : "'" + o.output_file + "'") << ")\n";
  return Status::Ok();
}

}  // namespace cf::osutil
