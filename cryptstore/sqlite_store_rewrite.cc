// The sqlite backend's in-place writes: Update (new blob) and Retag (new tag, same id). A row is rewritten in one
// BEGIN IMMEDIATE transaction, so another process sees the entry either before or after, never without it.
#include "common/aead.h"
#include "cryptstore/entry_rules.h"
#include "cryptstore/envelope.h"
#include "cryptstore/sqlite_store.h"

namespace cf::store {

Result<EntryInfo> SqliteStore::RewriteLocked(uint64_t id, std::optional<std::string_view> tag, ByteView blob,
                                             bool exportable) {
  CF_ASSIGN_OR_RETURN(auto sel, db_->Cached("SELECT version, tier, revision, sealed_meta FROM entries WHERE id=?"));
  CF_ASSIGN_OR_RETURN(bool row, sel->Bind(1, static_cast<int64_t>(id)).Step());
  if (!row)
    return Status(Code::kNotFound, "no entry with id " + std::to_string(id) + " in store '" + options_.path + "'");
  CF_ASSIGN_OR_RETURN(EntryInfo info, OpenRowMeta(id, static_cast<int32_t>(sel->Int(0)), static_cast<Tier>(sel->Int(1)),
                                                  static_cast<uint64_t>(sel->Int(2)), sel->Blob(3)));
  // Update keeps the tag as the row has it inside this transaction, so a concurrent Retag is not undone.
  const bool moves = tag && *tag != info.tag;
  CF_ASSIGN_OR_RETURN(Bytes lookup, LookupHash(platform_key_, moves ? *tag : std::string_view(info.tag), info.type));
  if (moves) {
    // The next version of the new tag/type, chosen inside this write transaction: no other writer can take it
    // meanwhile, and the unique (lookup, version) index would refuse a collision anyway.
    std::optional<int32_t> latest;
    CF_ASSIGN_OR_RETURN(auto max, db_->Cached("SELECT MAX(version) FROM entries WHERE lookup=?"));
    CF_ASSIGN_OR_RETURN(bool has_max, max->Bind(1, lookup).Step());
    if (has_max && !max->IsNull(0)) latest = static_cast<int32_t>(max->Int(0));
    CF_ASSIGN_OR_RETURN(info.version, ChooseVersion(*tag, info.type, 0, latest));
    info.tag = std::string(*tag);
  }
  CF_ASSIGN_OR_RETURN(ByteView key, TierKey(info.tier));
  info.exportable = exportable;
  info.revision += 1;
  // Tag and version are in both AADs (row metadata binds the version, the blob binds tag and version): both are
  // sealed again, so a row cannot be moved back to its old name by copying old ciphertext.
  CF_ASSIGN_OR_RETURN(Bytes meta, SealRowMeta(id, info.version, info.tier, info));
  CF_ASSIGN_OR_RETURN(Bytes sealed, SealEntryBlob(key, id, info.tag, info.type, info.version, info.tier, blob));
  CF_ASSIGN_OR_RETURN(auto upd, db_->Cached("UPDATE entries SET lookup=?, version=?, revision=?, sealed_meta=?, "
                                            "sealed_blob=? WHERE id=?"));
  CF_RETURN_IF_ERROR(upd->Bind(1, lookup)
                         .Bind(2, int64_t{info.version})
                         .Bind(3, static_cast<int64_t>(info.revision))
                         .Bind(4, meta)
                         .Bind(5, sealed)
                         .Bind(6, static_cast<int64_t>(id))
                         .Run());
  return info;
}

Result<EntryInfo> SqliteStore::Rewrite(uint64_t id, std::optional<std::string_view> tag, ByteView blob,
                                       bool exportable) {
  CF_RETURN_IF_ERROR(CheckBlobSize(blob.size()));
  if (tag) CF_RETURN_IF_ERROR(ValidateTag(*tag));
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.read_only) return ReadOnlyError(options_.path);
  CF_RETURN_IF_ERROR(ReconnectIfForkedLocked());
  EntryInfo info;
  unpublished_epoch_ = 0;
  CF_RETURN_IF_ERROR(WriteTxnLocked([&]() -> Status {
    // A rewrite is security-relevant (attributes such as CKA_SIGN or CKA_EXTRACTABLE): the epoch moves with it,
    // so restoring an older copy of the store cannot bring old attributes back unnoticed (SECURITY.md, Rollback).
    CF_RETURN_IF_ERROR(RaiseEpochInTxnLocked());
    CF_ASSIGN_OR_RETURN(info, RewriteLocked(id, tag, blob, exportable));
    return Status::Ok();
  }));
  corrupt_ids_.erase(id);
  index_.Insert(info);
  CF_RETURN_IF_ERROR(PublishEpochLocked());
  return info;
}

Status SqliteStore::Update(uint64_t id, ByteView blob, bool exportable) {
  return Rewrite(id, std::nullopt, blob, exportable).status();
}

Result<EntryInfo> SqliteStore::Retag(uint64_t id, std::string_view tag, ByteView blob, bool exportable) {
  return Rewrite(id, tag, blob, exportable);
}

}  // namespace cf::store
