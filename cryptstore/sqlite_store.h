// The sqlite backend (default): one database file, WAL, synchronous=FULL, one BEGIN IMMEDIATE transaction per
// write, a unique index on (keyed lookup of tag/type, version). Keeps a decrypted EntryInfo cache refreshed when
// PRAGMA data_version says another connection committed. Reopens its connection after fork (never reuses it).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/aead.h"
#include "cryptstore/entry_index.h"
#include "cryptstore/keyed_store.h"
#include "cryptstore/sqlite_db.h"

namespace cf::store {

class SqliteStore final : public KeyedStore {
 public:
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  Result<EntryInfo> Put(const NewEntry& entry) override;
  Result<std::vector<EntryInfo>> PutMany(const std::vector<NewEntry>& entries) override;
  Result<Entry> Get(std::string_view tag, std::string_view type, int32_t version) override;
  Result<Entry> GetById(uint64_t id) override;
  Result<std::vector<Result<Entry>>> GetMany(const std::vector<uint64_t>& ids) override;
  Result<std::vector<EntryInfo>> List() override;
  Status ForEachInfo(const std::function<void(const EntryInfo&)>& visit) override;
  Result<VersionRange> Versions(std::string_view tag, std::string_view type) override;
  Status Update(uint64_t id, ByteView blob, bool exportable) override;
  Result<EntryInfo> Retag(uint64_t id, std::string_view tag, ByteView blob, bool exportable) override;
  Status Remove(uint64_t id) override;
  Result<size_t> RemoveMany(const std::vector<uint64_t>& ids) override;
  Result<uint64_t> ChangeCounter() override;
  Result<uint64_t> ObservedChangeCounter() override;
  Result<std::optional<Bytes>> GetMeta(std::string_view name) override;
  Status PutMeta(std::string_view name, ByteView value) override;
  Backend backend() const override { return Backend::kSqlite; }

 private:
  explicit SqliteStore(const StoreOptions& options) : KeyedStore(options) {}

  Status Connect(bool create);
  // Makes a complete new database (schema, WAL mode, key record) under a temporary name and links it into place,
  // so a store file that exists is never legitimately empty or without keys (issue 11: such a file is damage,
  // not a new token). Losing the race to another creator is fine: the caller opens the winner's file.
  Status CreateFileLocked();
  // Before every call: reconnect after fork, then refresh the cache if another connection committed.
  Status ReadyLocked();
  // Only the fork half of ReadyLocked, for writes: WriteTxnLocked reads data_version inside its own transaction
  // and refreshes after the commit, so a separate read transaction first (two more fcntl locks) buys nothing.
  Status ReconnectIfForkedLocked();
  Status RunCached(std::string_view sql);  // a fixed statement that returns no rows (BEGIN, COMMIT, ROLLBACK)
  Status RefreshLocked();
  // Runs fn inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error).
  Status WriteTxnLocked(const std::function<Status()>& fn);

  Result<cf_pkcs11::StoreKeys> ReadKeysLocked() override;
  Status MutateKeysLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) override;
  Status WipeLocked(bool token_entries_only, const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) override;
  // Inside a write transaction: read-modify-write of the key record; RaiseEpochInTxnLocked raises its epoch.
  Status MutateKeysInTxnLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn);
  Status RaiseEpochInTxnLocked();

  Result<Bytes> SealRowMeta(uint64_t id, int32_t version, Tier tier, const EntryInfo& info);
  // opener: a context keyed with the platform key, reused across the rows of one refresh (aead::Opener).
  Result<EntryInfo> OpenRowMeta(uint64_t id, int32_t version, Tier tier, uint64_t revision, ByteView sealed,
                                aead::Opener* opener = nullptr);
  Result<Entry> ReadEntryLocked(uint64_t id);
  // Inside a write transaction: chooses the version and id, seals and inserts one row.
  Result<EntryInfo> InsertLocked(const NewEntry& entry);
  // Inside a write transaction: re-seals row `id` with a new blob and exportable flag, and, given a `tag` that
  // differs from its own, moves it to that tag at the next version (nullopt: Update; a tag: Retag).
  Result<EntryInfo> RewriteLocked(uint64_t id, std::optional<std::string_view> tag, ByteView blob, bool exportable);
  // Update/Retag around RewriteLocked: locking, the transaction and the index.
  Result<EntryInfo> Rewrite(uint64_t id, std::optional<std::string_view> tag, ByteView blob, bool exportable);

  std::unique_ptr<SqliteDb> db_;
  pid_t pid_ = 0;
  int64_t seen_data_version_ = -1;
  uint64_t generation_ = 1;
  EntryIndex index_;
  std::set<uint64_t> corrupt_ids_;  // rows whose sealed metadata does not authenticate
};

}  // namespace cf::store
