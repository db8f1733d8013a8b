// EntryIndex: the in-memory view of a store's entry metadata (no blobs) that both backends search — by id, and by
// (tag, type) -> version -> id — with the framework's lookup rules (version 0 = latest; empty type = any type).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "cryptstore/store.h"

namespace cf::store {

class EntryIndex {
 public:
  void Insert(EntryInfo info);  // replaces an entry of the same id; ids in increasing order insert in O(1)
  void Erase(uint64_t id);
  void Clear();
  const EntryInfo* ById(uint64_t id) const;
  // kNotFound / kInvalidArgument (negative version, ambiguous empty type) naming `where`.
  Result<uint64_t> Find(std::string_view tag, std::string_view type, int32_t version, const std::string& where) const;
  Result<VersionRange> Range(std::string_view tag, std::string_view type, const std::string& where) const;
  const std::map<uint64_t, EntryInfo>& infos() const { return infos_; }

 private:
  // The name index is built at the first lookup by name, then kept current: a process that only lists and reads
  // by id (the module's object cache) never pays for it (issue 7: opening a store of 5 000 entries).
  void BuildNamesIfNeeded() const;

  std::map<uint64_t, EntryInfo> infos_;
  mutable bool names_built_ = false;
  mutable std::map<std::pair<std::string, std::string>, std::map<int32_t, uint64_t>> by_name_;
};

}  // namespace cf::store
