// The cryptstore_entry crossing rules. The egress rule is asked, never restated: exportable means "may be released
// to another VM by the key service" (the framework's meaning), and that rule already knows the exceptions.
#include "keyservice/entry_transfer.h"

#include <algorithm>

#include "entries/egress_rule.h"
#include "entries/entry_types.h"

namespace cf::keysvc {

Result<wire::cryptstore_entry> ReleasableEntry(store::Store& store, const std::string& tag, const std::string& type,
                                               int32_t version) {
  if (tag.empty()) return Status(Code::kInvalidArgument, "no resource name given");
  if (version < 0) return Status(Code::kInvalidArgument, "version " + std::to_string(version) + " is negative");
  auto entry = store.Get(tag, type, version);
  if (!entry.ok()) return entry.status();
  CF_RETURN_IF_ERROR(entries::JudgeEgress(*entry, entries::EgressPath::kLeaveVm));
  wire::cryptstore_entry out = DescribeEntry(entry->info);
  out.set_blob(entry->blob.data(), entry->blob.size());
  return out;
}

Result<store::EntryInfo> KeepArrivingEntry(store::Store& store, const wire::cryptstore_entry& entry,
                                           const std::vector<std::string>& protected_tags) {
  if (entry.tag().empty() || entry.type().empty()) {
    return Status(Code::kInvalidArgument, "the entry has no tag or no type");
  }
  if (entries::IsOwnEntryType(entry.type())) {
    return Status(Code::kPermissionDenied, "entry '" + entry.tag() + "' has the PKCS#11 module's type '" +
                                               entry.type() + "', which only the module writes");
  }
  if (std::find(protected_tags.begin(), protected_tags.end(), entry.tag()) != protected_tags.end() ||
      entry.tag() == entries::kEvidenceTag) {
    return Status(Code::kPermissionDenied,
                  "entry '" + entry.tag() +
                      "' is one of the store's certification entries, which only certification "
                      "writes");
  }
  store::NewEntry e;
  e.tag = entry.tag();
  e.type = entry.type();
  e.version = 0;  // the next version: a peer never overwrites or picks a version here
  e.blob.assign(entry.blob().begin(), entry.blob().end());
  e.exportable = entry.exportable();
  e.origin = store::Origin::kTool;
  e.tier = store::Tier::kPlatform;
  return store.Put(e);
}

wire::cryptstore_entry DescribeEntry(const store::EntryInfo& info) {
  wire::cryptstore_entry out;
  out.set_tag(info.tag);
  out.set_type(info.type);
  out.set_version(info.version);
  out.set_time_entered(info.time_entered);
  out.set_exportable(info.exportable);
  return out;
}

}  // namespace cf::keysvc
