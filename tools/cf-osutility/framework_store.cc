// Reading, versioning and rewriting the framework's encrypted cryptstore file. The whole file is the unit: it is
// read once, changed in memory and written back whole (the framework's own way; no other process is expected to
// write it at the same time, as with the framework's tool).
#include "tools/cf-osutility/framework_store.h"

#include <map>
#include <utility>

#include "common/atomic_file.h"
#include "common/time_text.h"
#include "cryptstore/entry_rules.h"
#include "cryptstore/framework_file.h"

namespace cf::osutil {
namespace {

constexpr char kFileKeyName[] = "cryptstore-sealing-key";

std::string Describe(const std::string& tag, int32_t version) {
  return "tag '" + tag + "' version " + std::to_string(version);
}

}  // namespace

store::Entry ToStoreEntry(const wire::cryptstore_entry& e) {
  store::Entry out;
  out.info.tag = e.tag();
  out.info.type = e.type();
  out.info.version = e.version();
  out.info.time_entered = e.time_entered();
  out.info.exportable = e.exportable();
  out.blob = ToSecure(e.blob());
  return out;
}

Result<FrameworkCryptstore> FrameworkCryptstore::Open(const std::string& path, std::shared_ptr<store::Sealer> sealer,
                                                      bool create, const std::string& default_key_type,
                                                      const std::string& key_type) {
  if (!FileExists(path)) {
    if (!create)
      return Status(Code::kNotFound, "the framework's cryptstore '" + path +
                                         "' does not exist; run --init_trust=true with the same --data_dir and "
                                         "--encrypted_cryptstore_filename first");
    return FrameworkCryptstore(path, std::move(sealer), key_type.empty() ? default_key_type : key_type);
  }
  CF_ASSIGN_OR_RETURN(store::FrameworkFileContent file,
                      store::ReadFrameworkFile(path, *sealer, "the framework's cryptstore"));
  FrameworkCryptstore out(path, std::move(sealer), key_type.empty() ? file.key_type : key_type);
  if (!out.content_.ParseFromArray(file.plaintext.data(), static_cast<int>(file.plaintext.size())))
    return Status(Code::kCorrupt, "the framework's cryptstore '" + path +
                                      "' decrypts but is not a serialized cryptstore: damaged or another file");
  return out;
}

Result<store::Entry> FrameworkCryptstore::Get(const std::string& tag, const std::string& type, int32_t version) const {
  int32_t wanted = version == 0 ? LatestVersion(tag) : version;
  for (const auto& e : content_.entries()) {
    if (e.tag() == tag && e.version() == wanted && (type.empty() || e.type() == type)) return ToStoreEntry(e);
  }
  std::string what = version == 0 ? "tag '" + tag + "'" : Describe(tag, version);
  if (!type.empty()) what += " of type '" + type + "'";
  return Status(Code::kNotFound, "no entry with " + what + " in the framework's cryptstore '" + path_ + "'");
}

std::vector<store::Entry> FrameworkCryptstore::List() const {
  std::vector<store::Entry> out;
  for (const auto& e : content_.entries()) out.push_back(ToStoreEntry(e));
  return out;
}

int32_t FrameworkCryptstore::LatestVersion(const std::string& tag) const {
  int32_t latest = 0;
  for (const auto& e : content_.entries())
    if (e.tag() == tag && e.version() > latest) latest = e.version();
  return latest;
}

Result<int32_t> FrameworkCryptstore::Add(const std::string& tag, const std::string& type, int32_t version,
                                         ByteView blob, bool exportable) {
  CF_RETURN_IF_ERROR(store::ValidateTag(tag));
  int32_t latest = LatestVersion(tag);
  CF_ASSIGN_OR_RETURN(
      int32_t chosen,
      store::ChooseVersion(tag, type, version, latest == 0 ? std::nullopt : std::optional<int32_t>(latest)));
  for (const auto& e : content_.entries()) {
    if (e.tag() == tag && e.version() == chosen)
      return Status(Code::kVersionConflict, Describe(tag, chosen) + " already exists in '" + path_ +
                                                "'; leave out --entry_version to store the next version");
  }
  wire::cryptstore_entry* e = content_.add_entries();
  e->set_tag(tag);
  e->set_type(type);
  e->set_version(chosen);
  e->set_time_entered(NowText());
  e->set_blob(blob.data(), blob.size());
  e->set_exportable(exportable);
  return chosen;
}

Status FrameworkCryptstore::Save() {
  SecureString plain(content_.ByteSizeLong(), '\0');
  content_.SerializeToArray(plain.data(), static_cast<int>(plain.size()));
  return store::WriteFrameworkFile(path_, *sealer_, AsBytes(std::string_view(plain)), key_type_, kFileKeyName);
}

std::vector<std::string> FrameworkCryptstore::Duplicates() const {
  std::map<std::pair<std::string, int32_t>, int> count;
  for (const auto& e : content_.entries()) ++count[{e.tag(), e.version()}];
  std::vector<std::string> out;
  for (const auto& [key, n] : count)
    if (n > 1) out.push_back(Describe(key.first, key.second) + " (" + std::to_string(n) + " entries)");
  return out;
}

}  // namespace cf::osutil
