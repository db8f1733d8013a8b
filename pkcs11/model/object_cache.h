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
  // After this process wrote one entry (added: the entry put, or null for a removal of removed_id): when the
  // store's change counter went from `before` (read just before the write) to exactly before + 1, that write was
  // the only change, and the cache, if it was current at `before`, takes it in O(log n) instead of re-listing and
  // re-indexing every entry (issue 7: C_CreateObject/C_DestroyObject at 5 000 objects). Any other case refreshes.
  Status ApplyOwnWrite(store::Store& store, uint64_t before, const store::Entry* added, uint64_t removed_id);
  ObjectPtr Get(CK_OBJECT_HANDLE handle) const;
  // The cached object when the cache is valid (no login/logout since its last refresh), without asking the store
  // whether another process changed it; null otherwise. For crypto init on keys already seen (issue 7).
  ObjectPtr GetIfValid(CK_OBJECT_HANDLE handle) const;
  // Objects that may match `pattern` (the index narrows by class+ID or label), with their latest-version flag.
  struct Hit {
    ObjectPtr object;
    bool latest;
  };
  std::vector<Hit> Candidates(const AttributeSet& pattern) const;

 private:
  struct Tables;
  // Indexes one object, and (re)computes which version of its tag/type is the latest.
  static void Index(Tables& t, const ObjectPtr& obj);
  static void Unindex(Tables& t, const Object& obj);
  static void UpdateLatest(Tables& t, const std::string& tag_type);

  struct Tables {
    std::map<CK_OBJECT_HANDLE, ObjectPtr> by_handle;
    std::map<CK_OBJECT_HANDLE, bool> latest;
    std::unordered_multimap<std::string, CK_OBJECT_HANDLE> by_class_id;
    std::unordered_multimap<std::string, CK_OBJECT_HANDLE> by_label;
    std::unordered_multimap<std::string, CK_OBJECT_HANDLE> by_tag_type;  // the versions of one tag/type
  };
  mutable std::shared_mutex mu_;
  Tables tables_;
  bool valid_ = false;
  bool user_open_ = false;
  uint64_t counter_ = 0;
};

}  // namespace cf::p11
