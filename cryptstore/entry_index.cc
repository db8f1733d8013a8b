// Lookups over the decrypted entry metadata; the backends keep it current.
#include "cryptstore/entry_index.h"

#include "cryptstore/entry_rules.h"

namespace cf::store {

void EntryIndex::BuildNamesIfNeeded() const {
  if (names_built_) return;
  for (const auto& [id, info] : infos_) by_name_[{info.tag, info.type}][info.version] = id;
  names_built_ = true;
}

void EntryIndex::Insert(EntryInfo info) {
  Erase(info.id);
  if (names_built_) by_name_[{info.tag, info.type}][info.version] = info.id;
  const uint64_t id = info.id;
  infos_.emplace_hint(infos_.end(), id, std::move(info));
}

void EntryIndex::Erase(uint64_t id) {
  auto it = infos_.find(id);
  if (it == infos_.end()) return;
  auto name = names_built_ ? by_name_.find({it->second.tag, it->second.type}) : by_name_.end();
  if (name != by_name_.end()) {
    name->second.erase(it->second.version);
    if (name->second.empty()) by_name_.erase(name);
  }
  infos_.erase(it);
}

void EntryIndex::Clear() {
  infos_.clear();
  by_name_.clear();
  names_built_ = false;
}

const EntryInfo* EntryIndex::ById(uint64_t id) const {
  auto it = infos_.find(id);
  return it == infos_.end() ? nullptr : &it->second;
}

Result<uint64_t> EntryIndex::Find(std::string_view tag, std::string_view type, int32_t version,
                                  const std::string& where) const {
  if (version < 0)
    return Status(Code::kInvalidArgument, "version " + std::to_string(version) + " is negative; 0 means latest");
  CF_RETURN_IF_ERROR(ValidateTag(tag));
  BuildNamesIfNeeded();
  const std::map<int32_t, uint64_t>* versions = nullptr;
  std::string found_type;
  for (auto it = by_name_.lower_bound({std::string(tag), std::string(type)});
       it != by_name_.end() && it->first.first == tag; ++it) {
    if (!type.empty() && it->first.second != type) break;
    if (versions != nullptr)
      return Status(Code::kInvalidArgument, "tag '" + std::string(tag) + "' has entries of types '" + found_type +
                                                "' and '" + it->first.second + "'; name the type");
    versions = &it->second;
    found_type = it->first.second;
  }
  auto not_found = [&]() {
    return Status(Code::kNotFound, "no entry with tag '" + std::string(tag) + "'" +
                                       (type.empty() ? "" : " type '" + std::string(type) + "'") +
                                       (version == 0 ? "" : " version " + std::to_string(version)) + " in store '" +
                                       where + "'");
  };
  if (versions == nullptr || versions->empty()) return not_found();
  if (version == 0) return versions->rbegin()->second;
  auto v = versions->find(version);
  if (v == versions->end()) return not_found();
  return v->second;
}

Result<VersionRange> EntryIndex::Range(std::string_view tag, std::string_view type, const std::string& where) const {
  CF_ASSIGN_OR_RETURN(uint64_t latest_id, Find(tag, type, 0, where));
  const EntryInfo& latest = infos_.at(latest_id);
  const auto& versions = by_name_.at({latest.tag, latest.type});
  return VersionRange{versions.begin()->first, versions.rbegin()->first};
}

}  // namespace cf::store
