// The sqlite backend's reads: entries by name, by id and many ids at once, and the listing. All of them answer
// from the in-memory index of decrypted metadata (kept current by ReadyLocked) and read only blobs from sqlite.
#include <algorithm>
#include <unordered_map>

#include "cryptstore/envelope.h"
#include "cryptstore/sqlite_store.h"

namespace cf::store {

Result<Entry> SqliteStore::ReadEntryLocked(uint64_t id) {
  if (corrupt_ids_.count(id))
    return Status(Code::kCorrupt, "entry " + std::to_string(id) + " of store '" + options_.path +
                                      "' fails authentication (tampered row); remove it or restore a backup");
  const EntryInfo* found = index_.ById(id);
  if (found == nullptr)
    return Status(Code::kNotFound, "no entry with id " + std::to_string(id) + " in store '" + options_.path + "'");
  const EntryInfo info = *found;
  CF_ASSIGN_OR_RETURN(ByteView key, TierKey(info.tier));
  CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached("SELECT sealed_blob FROM entries WHERE id=?"));
  CF_ASSIGN_OR_RETURN(bool row, stmt->Bind(1, static_cast<int64_t>(id)).Step());
  if (!row)
    return Status(Code::kNotFound, "entry " + std::to_string(id) + " was removed from store '" + options_.path + "'");
  Entry entry;
  entry.info = info;
  CF_ASSIGN_OR_RETURN(entry.blob, OpenEntryBlob(key, id, info.tag, info.type, info.version, info.tier, stmt->Blob(0)));
  return entry;
}

Result<Entry> SqliteStore::Get(std::string_view tag, std::string_view type, int32_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ReadyLocked());
  auto id = index_.Find(tag, type, version, options_.path);
  if (!id.ok() && id.status().code() == Code::kNotFound && !corrupt_ids_.empty()) {
    // A row whose metadata fails authentication has no readable tag: it may be the one asked for. Say so, so a
    // damaged store is not mistaken for a missing entry.
    std::string ids;
    for (uint64_t bad : corrupt_ids_) ids += (ids.empty() ? "" : ", ") + std::to_string(bad);
    return Status(Code::kNotFound, id.status().message() + "; note: " + std::to_string(corrupt_ids_.size()) +
                                       " entries of this store fail authentication (ids " + ids +
                                       ") and may include it: restore the store from a backup");
  }
  if (!id.ok()) return id.status();
  return ReadEntryLocked(*id);
}

Result<Entry> SqliteStore::GetById(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ReadyLocked());
  return ReadEntryLocked(id);
}

Result<std::vector<Result<Entry>>> SqliteStore::GetMany(const std::vector<uint64_t>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ReadyLocked());
  std::vector<Result<Entry>> out;
  out.reserve(ids.size());
  std::unordered_map<uint64_t, size_t> wanted;  // id -> position in out
  for (uint64_t id : ids) {
    wanted.emplace(id, out.size());
    out.push_back(
        Status(Code::kNotFound, "no entry with id " + std::to_string(id) + " in store '" + options_.path + "'"));
  }
  auto take_rows = [&](SqliteStmt& stmt) -> Status {
    for (;;) {
      CF_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return Status::Ok();
      auto id = static_cast<uint64_t>(stmt.Int(0));
      auto slot = wanted.find(id);
      if (slot == wanted.end()) continue;
      Result<Entry>& result = out[slot->second];
      const EntryInfo* found = index_.ById(id);
      if (corrupt_ids_.count(id)) {
        result = Status(Code::kCorrupt, "entry " + std::to_string(id) + " of store '" + options_.path +
                                            "' fails authentication (tampered row); remove it or restore a backup");
        continue;
      }
      if (found == nullptr) continue;  // written by another process after our last refresh: not ours to show yet
      auto key = TierKey(found->tier);
      if (!key.ok()) {
        result = key.status();
        continue;
      }
      auto blob = OpenEntryBlob(*key, id, found->tag, found->type, found->version, found->tier, stmt.Blob(1));
      if (!blob.ok()) {
        result = blob.status();
        continue;
      }
      result = Entry{*found, std::move(*blob)};
    }
  };
  // Many ids (a whole listing): one pass over the table, a single read lock and parse for the lot. A few (the
  // object cache loading entries as they are used): their rows only, by primary key, in batches of one statement.
  constexpr size_t kBatch = 256;
  if (wanted.size() * 8 >= index_.infos().size()) {
    CF_ASSIGN_OR_RETURN(auto stmt, db_->Cached("SELECT id, sealed_blob FROM entries"));
    CF_RETURN_IF_ERROR(take_rows(*stmt));
  } else {
    std::vector<uint64_t> unique;
    unique.reserve(wanted.size());
    for (const auto& [id, position] : wanted) unique.push_back(id);
    for (size_t start = 0; start < unique.size(); start += kBatch) {
      size_t n = std::min(kBatch, unique.size() - start);
      std::string sql = "SELECT id, sealed_blob FROM entries WHERE id IN (?";
      for (size_t i = 1; i < n; ++i) sql += ",?";
      sql += ")";
      CF_ASSIGN_OR_RETURN(auto stmt, SqliteStmt::Prepare(*db_, sql));
      for (size_t i = 0; i < n; ++i) stmt->Bind(static_cast<int>(i + 1), static_cast<int64_t>(unique[start + i]));
      CF_RETURN_IF_ERROR(take_rows(*stmt));
    }
  }
  // A repeated id gets the same answer as its first occurrence (the map above kept only the first position).
  for (size_t i = 0; i < ids.size(); ++i) {
    size_t first = wanted.at(ids[i]);
    if (first != i) out[i] = out[first];
  }
  return out;
}

Result<std::vector<EntryInfo>> SqliteStore::List() {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ReadyLocked());
  std::vector<EntryInfo> out;
  out.reserve(index_.infos().size());
  for (const auto& [id, info] : index_.infos()) out.push_back(info);
  return out;
}

Status SqliteStore::ForEachInfo(const std::function<void(const EntryInfo&)>& visit) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ReadyLocked());
  for (const auto& [id, info] : index_.infos()) visit(info);
  return Status::Ok();
}

Result<VersionRange> SqliteStore::Versions(std::string_view tag, std::string_view type) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ReadyLocked());
  return index_.Range(tag, type, options_.path);
}

}  // namespace cf::store
