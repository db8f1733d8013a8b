// The cf-file backend's in-place writes: Update (new blob) and Retag (new tag, same id). Each is one rewrite of the
// whole file under the exclusive lock, like every cf-file write.
#include "cryptstore/cf_file_store.h"
#include "cryptstore/entry_rules.h"
#include "cryptstore/envelope.h"

namespace cf::store {

Result<EntryInfo> CfFileStore::Rewrite(uint64_t id, std::optional<std::string_view> tag, ByteView blob,
                                       bool exportable) {
  CF_RETURN_IF_ERROR(CheckBlobSize(blob.size()));
  if (tag) CF_RETURN_IF_ERROR(ValidateTag(*tag));
  std::lock_guard<std::mutex> lock(mu_);
  EntryInfo info;
  unpublished_epoch_ = 0;
  CF_RETURN_IF_ERROR(WriteLocked([&](Snapshot& s) -> Status {
    // A rewrite is security-relevant (attributes such as CKA_SIGN or CKA_EXTRACTABLE): the epoch moves with it,
    // so restoring an older copy cannot bring old attributes back unnoticed (SECURITY.md, Rollback).
    CF_RETURN_IF_ERROR(NextEpochLocked(*s.meta.mutable_keys(), /*bump=*/true));
    const EntryInfo* found = s.index.ById(id);
    if (found == nullptr)
      return Status(Code::kNotFound, "no entry with id " + std::to_string(id) + " in store '" + options_.path + "'");
    info = *found;
    if (tag && *tag != info.tag) {
      // The next version of the new tag/type, chosen under the file lock from the snapshot just re-read.
      std::optional<int32_t> latest;
      if (auto range = s.index.Range(*tag, info.type, options_.path); range.ok()) latest = range->latest;
      CF_ASSIGN_OR_RETURN(info.version, ChooseVersion(*tag, info.type, 0, latest));
      info.tag = std::string(*tag);
    }
    info.exportable = exportable;
    info.revision += 1;
    if (info.tier == Tier::kUser) {
      // Tag and version are in the envelope's AAD: a moved entry is sealed again under its new name.
      CF_ASSIGN_OR_RETURN(ByteView key, TierKey(info.tier));
      CF_ASSIGN_OR_RETURN(Bytes sealed, SealEntryBlob(key, id, info.tag, info.type, info.version, info.tier, blob));
      s.stored_blob[id] = AsString(sealed);
    } else {
      s.stored_blob[id] = AsString(blob);  // protected by the whole-file encryption, as the framework stores it
    }
    s.index.Insert(info);
    return Status::Ok();
  }));
  CF_RETURN_IF_ERROR(PublishEpochLocked());
  return info;
}

Status CfFileStore::Update(uint64_t id, ByteView blob, bool exportable) {
  return Rewrite(id, std::nullopt, blob, exportable).status();
}

Result<EntryInfo> CfFileStore::Retag(uint64_t id, std::string_view tag, ByteView blob, bool exportable) {
  return Rewrite(id, tag, blob, exportable);
}

}  // namespace cf::store
