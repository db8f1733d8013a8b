// The sqlite backend. Rows: id (AUTOINCREMENT, never reused), lookup = keyed hash of (tag, type), version, tier,
// revision, sealed_meta (tag/type/time/exportable under the platform key), sealed_blob (under the tier's key).
// Every write is one BEGIN IMMEDIATE transaction; busy_timeout lets several processes queue for the write lock.
#include "cryptstore/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "common/aead.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/process_id.h"
#include "common/time_text.h"
#include "cryptstore/entry_rules.h"
#include "cryptstore/envelope.h"

namespace cf::store {
namespace {

Bytes MetaAad(std::string_view name) { return EntryAad("cf-pkcs11 meta v1", 0, name, "", 0, Tier::kPlatform); }

}  // namespace

Status SqliteStore::ReconnectIfForkedLocked() {
  if (CurrentPid() == pid_) return Status::Ok();
  // A forked child: the inherited connection belongs to the parent; sqlite forbids using it here.
  db_->Abandon();
  return Connect(false);
}

Status SqliteStore::ReadyLocked() {
  CF_RETURN_IF_ERROR(ReconnectIfForkedLocked());
  {
    CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached("PRAGMA data_version"));
    CF_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (row && stmt->Int(0) == seen_data_version_) return Status::Ok();
  }  // the statement (and its read transaction) ends before the refresh starts its own
  return RefreshLocked();
}

Status SqliteStore::RefreshLocked() {
  CF_ASSIGN_OR_RETURN(auto dv, db_->Cached("PRAGMA data_version"));
  CF_ASSIGN_OR_RETURN(bool has_dv, dv->Step());
  int64_t data_version = has_dv ? dv->Int(0) : -1;
  CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached("SELECT id, version, tier, revision, sealed_meta FROM entries"));
  EntryIndex fresh;
  std::set<uint64_t> corrupt;
  std::optional<aead::Opener> opener;  // made at the first row to decrypt (a new store has no key yet)
  for (;;) {
    CF_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    auto id = static_cast<uint64_t>(stmt->Int(0));
    auto revision = static_cast<uint64_t>(stmt->Int(3));
    const EntryInfo* cached = index_.ById(id);
    if (cached != nullptr && cached->revision == revision) {
      fresh.Insert(*cached);  // unchanged: no decryption
      continue;
    }
    if (!opener) {
      CF_ASSIGN_OR_RETURN(aead::Opener made, aead::Opener::Create(platform_key_));
      opener.emplace(std::move(made));
    }
    auto info = OpenRowMeta(id, static_cast<int32_t>(stmt->Int(1)), static_cast<Tier>(stmt->Int(2)), revision,
                            stmt->Blob(4), &*opener);
    if (!info.ok()) {
      if (!corrupt_ids_.count(id)) log::Warning(info.status().ToString());
      corrupt.insert(id);
      continue;
    }
    fresh.Insert(std::move(*info));
  }
  index_ = std::move(fresh);
  corrupt_ids_ = std::move(corrupt);
  seen_data_version_ = data_version;
  ++generation_;
  return Status::Ok();
}

Status SqliteStore::RunCached(std::string_view sql) {
  CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached(sql));
  return stmt->Run();
}

Status SqliteStore::WriteTxnLocked(const std::function<Status()>& fn) {
  if (options_.read_only) return ReadOnlyError(options_.path);
  CF_RETURN_IF_ERROR(RunCached("BEGIN IMMEDIATE"));
  bool stale = true;
  {
    CF_ASSIGN_OR_RETURN(auto dv, db_->Cached("PRAGMA data_version"));
    auto has_dv = dv->Step();
    stale = !has_dv.ok() || !*has_dv || dv->Int(0) != seen_data_version_;
  }
  Status s = fn();
  if (s.ok()) s = RunCached("COMMIT");
  if (!s.ok()) {
    (void)RunCached("ROLLBACK");
    return s;
  }
  ++generation_;
  // Another process committed since our last look: our cache misses its rows.
  if (stale) return RefreshLocked();
  return Status::Ok();
}

Result<cf_pkcs11::StoreKeys> SqliteStore::ReadKeysLocked() {
  if (db_->is_open() && CurrentPid() != pid_) CF_RETURN_IF_ERROR(ReadyLocked());  // PIN calls after fork
  CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached("SELECT value FROM meta WHERE name='keys'"));
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status(Code::kNotFound, "store '" + options_.path + "' has no key record");
  cf_pkcs11::StoreKeys keys;
  Bytes value = stmt->Blob(0);
  if (!keys.ParseFromArray(value.data(), static_cast<int>(value.size())))
    return Status(Code::kCorrupt, "key record of store '" + options_.path +
                                      "' does not parse (damaged meta table); restore the store from a backup");
  return keys;
}

Status SqliteStore::MutateKeysInTxnLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) {
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StoreKeys keys, ReadKeysLocked());
  CF_RETURN_IF_ERROR(fn(keys));
  CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached("UPDATE meta SET value=? WHERE name='keys'"));
  return stmt->Bind(1, AsBytes(keys.SerializeAsString())).Run();
}

Status SqliteStore::RaiseEpochInTxnLocked() {
  return MutateKeysInTxnLocked([&](cf_pkcs11::StoreKeys& k) { return NextEpochLocked(k, /*bump=*/true); });
}

Status SqliteStore::MutateKeysLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) {
  if (CurrentPid() != pid_) CF_RETURN_IF_ERROR(ReadyLocked());
  return WriteTxnLocked([&]() -> Status { return MutateKeysInTxnLocked(fn); });
}

Status SqliteStore::WipeLocked(bool token_entries_only, const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) {
  CF_RETURN_IF_ERROR(ReadyLocked());
  CF_RETURN_IF_ERROR(WriteTxnLocked([&]() -> Status {
    if (!token_entries_only) {
      CF_RETURN_IF_ERROR(db_->Exec("DELETE FROM entries"));
    } else {
      // Inside the write transaction the index is exact; rows whose metadata cannot be read are kept (their
      // origin is unknown, and nothing is lost that might be the OS's).
      CF_RETURN_IF_ERROR(RefreshLocked());
      CF_ASSIGN_OR_RETURN(auto del, db_->Cached("DELETE FROM entries WHERE id=?"));
      for (const auto& [id, info] : index_.infos()) {
        if (info.origin != Origin::kToken) continue;
        CF_RETURN_IF_ERROR(del->Bind(1, static_cast<int64_t>(id)).Run());
      }
    }
    return MutateKeysInTxnLocked(fn);
  }));
  if (token_entries_only) return RefreshLocked();
  index_.Clear();
  corrupt_ids_.clear();
  return Status::Ok();
}

Result<Bytes> SqliteStore::SealRowMeta(uint64_t id, int32_t version, Tier tier, const EntryInfo& info) {
  cf_pkcs11::StoreRowMeta meta;
  meta.set_tag(info.tag);
  meta.set_type(info.type);
  meta.set_time_entered(info.time_entered);
  meta.set_exportable(info.exportable);
  if (info.origin == Origin::kToken) meta.set_token_object(true);
  if (info.requires_admission) meta.set_requires_admission(true);
  return aead::Seal(platform_key_, AsBytes(meta.SerializeAsString()),
                    EntryAad("cf-pkcs11 row meta v1", id, "", "", version, tier));
}

Result<EntryInfo> SqliteStore::OpenRowMeta(uint64_t id, int32_t version, Tier tier, uint64_t revision, ByteView sealed,
                                           aead::Opener* opener) {
  Bytes aad = EntryAad("cf-pkcs11 row meta v1", id, "", "", version, tier);
  auto plain = opener != nullptr ? opener->Open(sealed, aad) : aead::Open(platform_key_, sealed, aad);
  cf_pkcs11::StoreRowMeta meta;
  if (!plain.ok() || !meta.ParseFromArray(plain->data(), static_cast<int>(plain->size())))
    return Status(Code::kCorrupt, "entry " + std::to_string(id) + " of store '" + options_.path +
                                      "' has metadata that fails authentication (tampered row); remove it or "
                                      "restore the store from a backup");
  EntryInfo info;
  info.id = id;
  info.revision = revision;
  info.tag = meta.tag();
  info.type = meta.type();
  info.version = version;
  info.time_entered = meta.time_entered();
  info.exportable = meta.exportable();
  info.tier = tier;
  info.origin = meta.token_object() ? Origin::kToken : Origin::kTool;
  info.requires_admission = meta.requires_admission();
  return info;
}

Result<EntryInfo> SqliteStore::InsertLocked(const NewEntry& entry) {
  CF_ASSIGN_OR_RETURN(ByteView key, TierKey(entry.tier));
  CF_ASSIGN_OR_RETURN(Bytes lookup, LookupHash(platform_key_, entry.tag, entry.type));
  EntryInfo info;
  info.tag = entry.tag;
  info.type = entry.type;
  info.time_entered = entry.time_entered.empty() ? NowText() : entry.time_entered;
  info.exportable = entry.exportable;
  info.tier = entry.tier;
  info.origin = entry.origin;
  info.requires_admission = entry.requires_admission;
  info.revision = 1;
  std::optional<int32_t> latest;
  CF_ASSIGN_OR_RETURN(auto max, db_->Cached("SELECT MAX(version) FROM entries WHERE lookup=?"));
  CF_ASSIGN_OR_RETURN(bool row, max->Bind(1, lookup).Step());
  if (row && !max->IsNull(0)) latest = static_cast<int32_t>(max->Int(0));
  CF_ASSIGN_OR_RETURN(info.version, ChooseVersion(entry.tag, entry.type, entry.version, latest));
  CF_ASSIGN_OR_RETURN(auto seq, db_->Cached("SELECT COALESCE((SELECT seq FROM sqlite_sequence "
                                            "WHERE name='entries'), 0) + 1"));
  CF_ASSIGN_OR_RETURN(bool has_seq, seq->Step());
  info.id = has_seq ? static_cast<uint64_t>(seq->Int(0)) : 1;
  CF_ASSIGN_OR_RETURN(Bytes meta, SealRowMeta(info.id, info.version, info.tier, info));
  CF_ASSIGN_OR_RETURN(Bytes blob,
                      SealEntryBlob(key, info.id, info.tag, info.type, info.version, info.tier, entry.blob));
  CF_ASSIGN_OR_RETURN(auto ins, db_->Cached("INSERT INTO entries VALUES(?,?,?,?,?,?,?)"));
  ins->Bind(1, static_cast<int64_t>(info.id)).Bind(2, lookup).Bind(3, int64_t{info.version});
  ins->Bind(4, static_cast<int64_t>(info.tier)).Bind(5, int64_t{1}).Bind(6, meta).Bind(7, blob);
  Status s = ins->Run();
  if (!s.ok() && (ins->last_code() & 0xff) == SQLITE_CONSTRAINT)
    return Status(Code::kVersionConflict, "tag '" + entry.tag + "' type '" + entry.type + "' version " +
                                              std::to_string(info.version) + " already exists in store '" +
                                              options_.path + "'; put version 0 for the next one");
  if (!s.ok()) return s;
  return info;
}

Result<EntryInfo> SqliteStore::Put(const NewEntry& entry) {
  CF_ASSIGN_OR_RETURN(std::vector<EntryInfo> infos, PutMany({entry}));
  return infos.front();
}

Result<std::vector<EntryInfo>> SqliteStore::PutMany(const std::vector<NewEntry>& entries) {
  for (const NewEntry& e : entries) CF_RETURN_IF_ERROR(ValidateNewEntry(e));
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.read_only) return ReadOnlyError(options_.path);
  CF_RETURN_IF_ERROR(ReconnectIfForkedLocked());
  std::vector<EntryInfo> infos;
  CF_RETURN_IF_ERROR(WriteTxnLocked([&]() -> Status {
    infos.clear();  // a retried transaction starts over
    for (const NewEntry& e : entries) {
      CF_ASSIGN_OR_RETURN(EntryInfo info, InsertLocked(e));
      infos.push_back(std::move(info));
    }
    return Status::Ok();
  }));
  for (const EntryInfo& info : infos) index_.Insert(info);
  return infos;
}

Status SqliteStore::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.read_only) return ReadOnlyError(options_.path);
  CF_RETURN_IF_ERROR(ReconnectIfForkedLocked());
  unpublished_epoch_ = 0;
  CF_RETURN_IF_ERROR(WriteTxnLocked([&]() -> Status {
    // A destroyed key must not come back with an older copy of the file.
    CF_RETURN_IF_ERROR(RaiseEpochInTxnLocked());
    CF_ASSIGN_OR_RETURN(auto del, db_->Cached("DELETE FROM entries WHERE id=?"));
    CF_RETURN_IF_ERROR(del->Bind(1, static_cast<int64_t>(id)).Run());
    if (sqlite3_changes(db_->get()) == 0)
      return Status(Code::kNotFound, "no entry with id " + std::to_string(id) + " in store '" + options_.path + "'");
    return Status::Ok();
  }));
  index_.Erase(id);
  corrupt_ids_.erase(id);
  return PublishEpochLocked();
}

Result<size_t> SqliteStore::RemoveMany(const std::vector<uint64_t>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.read_only) return ReadOnlyError(options_.path);
  if (ids.empty()) return size_t{0};
  CF_RETURN_IF_ERROR(ReconnectIfForkedLocked());
  unpublished_epoch_ = 0;
  std::vector<uint64_t> removed;
  CF_RETURN_IF_ERROR(WriteTxnLocked([&]() -> Status {
    removed.clear();  // a retried transaction starts over
    CF_RETURN_IF_ERROR(RaiseEpochInTxnLocked());
    for (uint64_t id : ids) {
      // A cached statement is reset when its lease ends: one lease per row.
      CF_ASSIGN_OR_RETURN(auto del, db_->Cached("DELETE FROM entries WHERE id=?"));
      CF_RETURN_IF_ERROR(del->Bind(1, static_cast<int64_t>(id)).Run());
      if (sqlite3_changes(db_->get()) > 0) removed.push_back(id);
    }
    return Status::Ok();
  }));
  for (uint64_t id : removed) {
    index_.Erase(id);
    corrupt_ids_.erase(id);
  }
  CF_RETURN_IF_ERROR(PublishEpochLocked());
  return removed.size();
}

Result<uint64_t> SqliteStore::ChangeCounter() {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ReadyLocked());
  return generation_;
}

Result<uint64_t> SqliteStore::ObservedChangeCounter() {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

Result<std::optional<Bytes>> SqliteStore::GetMeta(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ReadyLocked());
  CF_ASSIGN_OR_RETURN(Bytes key, KeyedHash(platform_key_, "meta-name", AsBytes(name)));
  CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached("SELECT value FROM meta WHERE name=?"));
  CF_ASSIGN_OR_RETURN(bool row, stmt->Bind(1, key).Step());
  if (!row) return std::optional<Bytes>();
  auto plain = aead::Open(platform_key_, stmt->Blob(0), MetaAad(name));
  if (!plain.ok())
    return Status(Code::kCorrupt,
                  "metadata value '" + std::string(name) + "' of store '" + options_.path + "' fails authentication");
  return std::optional<Bytes>(Bytes(plain->begin(), plain->end()));
}

Status SqliteStore::PutMeta(std::string_view name, ByteView value) {
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.read_only) return ReadOnlyError(options_.path);
  CF_RETURN_IF_ERROR(ReconnectIfForkedLocked());
  CF_ASSIGN_OR_RETURN(Bytes key, KeyedHash(platform_key_, "meta-name", AsBytes(name)));
  CF_ASSIGN_OR_RETURN(Bytes sealed, aead::Seal(platform_key_, value, MetaAad(name)));
  return WriteTxnLocked([&]() -> Status {
    CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached("INSERT OR REPLACE INTO meta VALUES(?, ?)"));
    return stmt->Bind(1, key).Bind(2, sealed).Run();
  });
}

}  // namespace cf::store
