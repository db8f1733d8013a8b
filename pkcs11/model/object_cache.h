// ObjectCache: a token's objects as its store lists them, loaded lazily (issue 7: a fresh process with 5 000
// objects). A refresh — when Store::ChangeCounter moved, or after login/logout — rebuilds only the entries'
// metadata (tag, type, version, tier: the store holds them decrypted), so no blob is read, decrypted or parsed
// until a find, a handle lookup or a write needs its objects; loaded objects are kept while their entry's revision
// holds. Finds narrow before loading: by label (an object's label is its entry's tag, object_codec.h), else by
// class (ours: the entry's type), and by class+CKA_ID through an index of loaded objects once every entry that can
// hold that class is loaded. Readers take a shared lock; loads and refreshes publish under the exclusive lock, and
// no store call is made while either is held.
#pragma once

#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cryptstore/store.h"
#include "pkcs11/model/object.h"

namespace cf::p11 {

class ObjectCache {
 public:
  struct Hit {
    ObjectPtr object;
    // Whether a search without CKA_CF_VERSION shows it (issue 12): every object of the token's own entries —
    // PKCS#11 labels are not unique, and a second object with a label must never hide the first — and the newest
    // version of each tag/type of the framework's entries, which its tools rotate by putting a new version.
    bool shown;
  };

  // Re-lists the store's entries when it changed since the last refresh, or always when force.
  Status Refresh(store::Store& store, bool force);
  void Invalidate();
  // C_Logout of the user: a new login epoch, so handles to private objects handed out before
  // are invalid from now on, a later C_Login included (object.h, WithLoginEpoch); the cache refreshes at its next
  // use. Only a logout needs it: no private object is visible, so none gets a handle, until the next login. A
  // forked child that initialises and logs in again counts its own logouts, so handles it inherited keep working
  // until it logs out (tests/unit/pkcs11/concurrency).
  void NewLoginEpoch();
  // After this process wrote one entry (added: the entry put, or null for a removal of removed_id): when the
  // store's change counter went from `before` (read just before the write) to exactly before + 1, that write was
  // the only change, and the cache, if it was current at `before`, takes it in O(log n) instead of re-listing
  // every entry (C_CreateObject/C_DestroyObject at 5 000 objects). Any other case refreshes. Both counters are
  // Store::ObservedChangeCounter (no database read): a change by another process that our write did not meet is
  // seen at the next refresh, as if it came just after our write.
  Status ApplyOwnWrite(store::Store& store, uint64_t before, const store::Entry* added, uint64_t removed_id);
  // The same for one write that added several entries (Store::PutMany: both halves of a key pair).
  Status ApplyOwnWrite(store::Store& store, uint64_t before, const std::vector<const store::Entry*>& added,
                       uint64_t removed_id);
  // The object behind a token handle, its entry loaded on first use; null when no listed entry shows it.
  Result<ObjectPtr> Get(store::Store& store, CK_OBJECT_HANDLE handle);
  // As Get while the cache is valid (no login/logout since its last refresh) — without asking the store whether
  // another process changed it, for crypto init on keys already seen; null when the cache is not valid.
  Result<ObjectPtr> GetIfValid(store::Store& store, CK_OBJECT_HANDLE handle);
  // The first object of an entry this process just wrote (its handle may carry the login epoch: object.h).
  Result<ObjectPtr> GetWritten(store::Store& store, uint64_t entry_id);
  // A superset of the token objects that can match `pattern` (the caller matches), loading what it narrows to.
  Result<std::vector<Hit>> Candidates(store::Store& store, const AttributeSet& pattern);

 private:
  // One listed entry: what the listing says of it (no time or flags: the loaded objects carry those), and its
  // objects once loaded. Kept small: a fresh process makes one per entry before any is used.
  struct Record {
    uint64_t revision = 0;
    int32_t version = 0;
    std::string tag;
    std::string type;
    bool loaded = false;
    std::vector<ObjectPtr> objects;  // once loaded: what the entry shows (none when unreadable; logged once)
  };
  struct Tables {
    std::map<uint64_t, Record> records;  // by entry id, in creation order
    // tag -> entry id, and "" -> unlabelled entries; keys view the records' own tags (map nodes do not move).
    std::unordered_multimap<std::string_view, uint64_t> by_label;
    std::unordered_map<std::string, size_t> unloaded_by_type;            // entry type -> records not loaded yet
    std::unordered_multimap<std::string, CK_OBJECT_HANDLE> by_class_id;  // loaded objects with a CKA_ID
  };

  // Index maintenance (the caller holds the exclusive lock or owns `t`).
  static void IndexRecord(Tables& t, uint64_t id);
  static void UnindexRecord(Tables& t, uint64_t id);
  static void IndexObjects(Tables& t, const Record& r);
  static void UnindexObjects(Tables& t, const Record& r);
  // Whether no other version of the record's tag/type is newer (the few entries sharing its tag are looked at).
  static bool IsLatest(const Tables& t, uint64_t id, const Record& r);
  // Sets CKA_CF_LATEST on the loaded objects of every record with this tag (after a version came or went).
  static void MarkLatest(const Tables& t, std::string_view tag);
  // Publishes freshly built objects into a record: private ones get the current login epoch in their handle.
  void Publish(Record& r, std::vector<std::shared_ptr<Object>> objects) const;

  // Reads, decrypts and builds the objects of `ids` (no lock held during the store call) and publishes them.
  Status Load(store::Store& store, const std::vector<uint64_t>& ids);
  // exact: the handle must match with its epoch bits; else the entry's sub-object 0 under any epoch.
  Result<ObjectPtr> Lookup(store::Store& store, CK_OBJECT_HANDLE handle, bool require_valid, bool exact = true);
  // One pass of Candidates: hits among loaded records, ids of candidate records not loaded yet.
  void Collect(const AttributeSet& pattern, std::vector<Hit>* hits, std::vector<uint64_t>* missing) const;

  mutable std::shared_mutex mu_;
  Tables tables_;
  bool valid_ = false;
  bool user_open_ = false;
  uint64_t counter_ = 0;
  uint32_t epoch_ = 0;         // logouts so far (NewLoginEpoch); in the handles of loaded private objects
  uint32_t tables_epoch_ = 0;  // the epoch the loaded objects' handles carry
};

}  // namespace cf::p11
