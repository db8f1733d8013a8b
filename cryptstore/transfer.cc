// Export/import of plaintext cryptstores. Duplicates are checked against what is stored, never overwritten.
#include "cryptstore/transfer.h"

namespace cf::store {

Result<ExportResult> ExportPlaintext(Store& store, bool include_user_tier, const MayLeave& may_leave) {
  CF_ASSIGN_OR_RETURN(std::vector<EntryInfo> infos, store.List());
  ExportResult result;
  for (const EntryInfo& info : infos) {
    if (info.tier == Tier::kUser && !include_user_tier) continue;
    CF_ASSIGN_OR_RETURN(Entry entry, store.GetById(info.id));
    if (Status allowed = may_leave(entry); !allowed.ok()) {
      result.withheld.push_back(allowed.message());
      continue;
    }
    wire::cryptstore_entry* e = result.entries.add_entries();
    e->set_tag(info.tag);
    e->set_type(info.type);
    e->set_version(info.version);
    e->set_time_entered(info.time_entered);
    e->set_blob(entry.blob.data(), entry.blob.size());
    e->set_exportable(info.exportable);
  }
  return result;
}

Result<ImportResult> ImportPlaintext(Store& store, const wire::cryptstore& entries, Tier tier,
                                     OnDuplicate on_duplicate) {
  ImportResult result;
  std::vector<NewEntry> batch;
  for (int i = 0; i < entries.entries_size(); ++i) {
    const wire::cryptstore_entry& e = entries.entries(i);
    if (e.version() < 0)
      return Status(Code::kInvalidArgument, "entry " + std::to_string(i) + " (tag '" + e.tag() + "') has version " +
                                                std::to_string(e.version()) + "; versions are positive");
    if (e.version() > 0) {
      // Present (readable or not: corrupt or user-tier) counts as a duplicate; only kNotFound means free.
      auto existing = store.Get(e.tag(), e.type(), e.version());
      if (existing.status().code() != Code::kNotFound) {
        if (!existing.ok() && existing.status().code() == Code::kInvalidArgument) return existing.status();
        if (on_duplicate == OnDuplicate::kSkip) {
          ++result.skipped;
          continue;
        }
        return Status(Code::kVersionConflict, "entry " + std::to_string(i) + ": tag '" + e.tag() + "' type '" +
                                                  e.type() + "' version " + std::to_string(e.version()) +
                                                  " already exists; nothing was imported (import with skip to "
                                                  "leave existing versions alone)");
      }
    }
    NewEntry n;
    n.tag = e.tag();
    n.type = e.type();
    n.version = e.version();
    n.blob = ToSecure(e.blob());
    n.exportable = e.exportable();
    n.tier = tier;
    n.time_entered = e.time_entered();
    batch.push_back(std::move(n));
  }
  auto put = store.PutMany(batch);
  if (!put.ok()) return put.status().Annotate("importing " + std::to_string(batch.size()) + " entries");
  result.imported = put->size();
  return result;
}

}  // namespace cf::store
