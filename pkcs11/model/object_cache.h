// ObjectCache: a token's objects as read from its store, refreshed only when Store::ChangeCounter moves (or on
// login/logout), indexed by class+CKA_ID and by label so C_FindObjects does no store I/O. Read-mostly: readers
// take a shared lock; a refresh swaps in new tables under the exclusive lock.
#pragma once

#include <map>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cryptstore/store.h"
#include "pkcs11/model/object.h"

namespace cf::p11 {

class ObjectCache {
 public:
  // Reloads changed entries when the store changed since the last refresh, or always when force.
  Status Refresh(store::Store& store, bool force);
  void Invalidate();
  ObjectPtr Get(CK_OBJECT_HANDLE handle) const;
  // Objects that may match `pattern` (the index narrows by class+ID or label), with their latest-version flag.
  struct Hit {
    ObjectPtr object;
    bool latest;
  };
  std::vector<Hit> Candidates(const AttributeSet& pattern) const;

 private:
  struct Tables {
    std::map<CK_OBJECT_HANDLE, ObjectPtr> by_handle;
    std::map<CK_OBJECT_HANDLE, bool> latest;
    std::unordered_multimap<std::string, CK_OBJECT_HANDLE> by_class_id;
    std::unordered_multimap<std::string, CK_OBJECT_HANDLE> by_label;
  };
  mutable std::shared_mutex mu_;
  Tables tables_;
  bool valid_ = false;
  bool user_open_ = false;
  uint64_t counter_ = 0;
};

}  // namespace cf::p11
