// The cf-file backend: the Certifier Framework's whole-file encrypted cryptstore (protected_blob_message around a
// serialized cf.wire.cryptstore), rewritten whole on every write under an exclusive flock on "<path>.lock".
// Entries stay framework-shaped; our ids, tiers, revisions, PIN material and meta live in one reserved entry.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "cryptstore/entry_index.h"
#include "cryptstore/keyed_store.h"

namespace cf::store {

inline constexpr char kMetadataTag[] = "cf-pkcs11-store-metadata";
inline constexpr char kMetadataType[] = "cf-pkcs11-metadata";

class CfFileStore final : public KeyedStore {
 public:
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  Result<EntryInfo> Put(const NewEntry& entry) override;
  Result<std::vector<EntryInfo>> PutMany(const std::vector<NewEntry>& entries) override;
  Result<Entry> Get(std::string_view tag, std::string_view type, int32_t version) override;
  Result<Entry> GetById(uint64_t id) override;
  Result<std::vector<EntryInfo>> List() override;
  Status ForEachInfo(const std::function<void(const EntryInfo&)>& visit) override;
  Result<VersionRange> Versions(std::string_view tag, std::string_view type) override;
  Status Update(uint64_t id, ByteView blob, bool exportable) override;
  Result<EntryInfo> Retag(uint64_t id, std::string_view tag, ByteView blob, bool exportable) override;
  Status Remove(uint64_t id) override;
  Result<size_t> RemoveMany(const std::vector<uint64_t>& ids) override;
  Result<uint64_t> ChangeCounter() override;
  Result<std::optional<Bytes>> GetMeta(std::string_view name) override;
  Status PutMeta(std::string_view name, ByteView value) override;
  Backend backend() const override { return Backend::kCfFile; }

 private:
  // What one version of the file holds, decrypted. stored_blob: plaintext (platform tier, protected by the
  // whole-file encryption as in the framework) or an entry envelope under the user data key (user tier).
  struct Snapshot {
    EntryIndex index;
    std::map<uint64_t, std::string> stored_blob;
    cf_pkcs11::StoreMetadata meta;  // keys, next_id, generation, meta values (entries list rebuilt on save)
    uint64_t file_identity = 0;     // inode/size/mtime of the file it came from
  };

  explicit CfFileStore(const StoreOptions& options) : KeyedStore(options) {}

  Result<uint64_t> FileIdentity() const;
  Result<Snapshot> ReadFileLocked() const;
  Status SaveLocked(Snapshot& snap);
  // Reload the snapshot if the file changed since we read it.
  Status FreshLocked();
  // Exclusive flock, re-read, fn, write. The snapshot becomes the new state only when the write succeeded.
  Status WriteLocked(const std::function<Status(Snapshot&)>& fn);

  Result<cf_pkcs11::StoreKeys> ReadKeysLocked() override;
  Status MutateKeysLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) override;
  Status WipeLocked(bool token_entries_only, const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) override;
  // Removes temp files a writer killed mid-rewrite left beside the store; needs the exclusive lock.
  void RemoveStaleTempFilesLocked();
  Result<Entry> ReadEntryLocked(const Snapshot& snap, uint64_t id);
  Result<EntryInfo> InsertLocked(Snapshot& s, const NewEntry& entry);
  // Update (tag nullopt) and Retag: one rewrite of the file with the entry's new blob, and given a tag that differs
  // from its own, that tag at its next version.
  Result<EntryInfo> Rewrite(uint64_t id, std::optional<std::string_view> tag, ByteView blob, bool exportable);

  std::string lock_path() const { return options_.path + ".lock"; }

  Snapshot snap_;
};

}  // namespace cf::store
