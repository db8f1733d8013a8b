// Store::Open: picks the backend named in the options; the only place that knows both backends exist.
#include "cryptstore/store.h"

#include "cryptstore/cf_file_store.h"
#include "cryptstore/sqlite_store.h"

namespace cf::store {

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.sealer == nullptr) return Status(Code::kInvalidArgument, "StoreOptions.sealer is not set");
  if (options.path.empty()) return Status(Code::kInvalidArgument, "StoreOptions.path is empty");
  switch (options.backend) {
    case Backend::kSqlite:
      return SqliteStore::Open(options);
    case Backend::kCfFile:
      return CfFileStore::Open(options);
  }
  return Status(Code::kInvalidArgument, "unknown backend " + std::to_string(static_cast<int>(options.backend)));
}

Result<std::vector<EntryInfo>> Store::PutMany(const std::vector<NewEntry>& entries) {
  std::vector<EntryInfo> out;
  for (const NewEntry& e : entries) {
    CF_ASSIGN_OR_RETURN(EntryInfo info, Put(e));
    out.push_back(std::move(info));
  }
  return out;
}

Result<size_t> Store::RemoveMany(const std::vector<uint64_t>& ids) {
  size_t removed = 0;
  for (uint64_t id : ids) {
    Status s = Remove(id);
    if (s.code() == Code::kNotFound) continue;
    CF_RETURN_IF_ERROR(s);
    ++removed;
  }
  return removed;
}

Result<std::vector<Result<Entry>>> Store::GetMany(const std::vector<uint64_t>& ids) {
  std::vector<Result<Entry>> out;
  out.reserve(ids.size());
  for (uint64_t id : ids) out.push_back(GetById(id));
  return out;
}

Status Store::ForEachInfo(const std::function<void(const EntryInfo&)>& visit) {
  CF_ASSIGN_OR_RETURN(std::vector<EntryInfo> infos, List());
  for (const EntryInfo& info : infos) visit(info);
  return Status::Ok();
}

}  // namespace cf::store
