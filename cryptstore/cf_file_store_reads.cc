// The cf-file backend's reads: every read refreshes the snapshot when the file changed (FreshLocked) and serves
// from it; user-tier blobs are opened with the user data key. No writes here.
#include "cryptstore/cf_file_store.h"
#include "cryptstore/envelope.h"

namespace cf::store {

Result<Entry> CfFileStore::ReadEntryLocked(const Snapshot& snap, uint64_t id) {
  const EntryInfo* info = snap.index.ById(id);
  if (info == nullptr)
    return Status(Code::kNotFound, "no entry with id " + std::to_string(id) + " in store '" + options_.path + "'");
  Entry out;
  out.info = *info;
  const std::string& stored = snap.stored_blob.at(id);
  if (info->tier == Tier::kPlatform) {
    out.blob = ToSecure(stored);
    return out;
  }
  CF_ASSIGN_OR_RETURN(ByteView key, TierKey(info->tier));
  CF_ASSIGN_OR_RETURN(out.blob,
                      OpenEntryBlob(key, id, info->tag, info->type, info->version, info->tier, AsBytes(stored)));
  return out;
}

Result<Entry> CfFileStore::Get(std::string_view tag, std::string_view type, int32_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(FreshLocked());
  CF_ASSIGN_OR_RETURN(uint64_t id, snap_.index.Find(tag, type, version, options_.path));
  return ReadEntryLocked(snap_, id);
}

Result<Entry> CfFileStore::GetById(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(FreshLocked());
  return ReadEntryLocked(snap_, id);
}

Result<std::vector<EntryInfo>> CfFileStore::List() {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(FreshLocked());
  std::vector<EntryInfo> out;
  for (const auto& [id, info] : snap_.index.infos()) out.push_back(info);
  return out;
}

Status CfFileStore::ForEachInfo(const std::function<void(const EntryInfo&)>& visit) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(FreshLocked());
  for (const auto& [id, info] : snap_.index.infos()) visit(info);
  return Status::Ok();
}

Result<VersionRange> CfFileStore::Versions(std::string_view tag, std::string_view type) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(FreshLocked());
  return snap_.index.Range(tag, type, options_.path);
}

Result<uint64_t> CfFileStore::ChangeCounter() {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(FreshLocked());
  return snap_.meta.generation();
}

Result<std::optional<Bytes>> CfFileStore::GetMeta(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(FreshLocked());
  for (const auto& m : snap_.meta.meta())
    if (m.name() == name) return std::optional<Bytes>(ToBytes(m.value()));
  return std::optional<Bytes>();
}

}  // namespace cf::store
