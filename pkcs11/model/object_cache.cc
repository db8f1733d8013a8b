// Cache refresh, lazy loading and the find narrowing of ObjectCache. Entries whose id and revision are unchanged
// keep their Record (and loaded objects, with their parsed key material); private-tier entries are listed only
// while the user data key is open.
#include "pkcs11/model/object_cache.h"

#include <algorithm>
#include <mutex>

#include "common/log.h"
#include "entries/egress_rule.h"
#include "pkcs11/model/object_codec.h"

namespace cf::p11 {
namespace {

std::string ClassIdKey(CK_ULONG object_class, ByteView id) { return std::to_string(object_class) + ":" + AsString(id); }

template <typename Multimap>
void EraseValue(Multimap& map, const typename Multimap::key_type& key, typename Multimap::mapped_type value) {
  auto [b, e] = map.equal_range(key);
  for (auto it = b; it != e; ++it) {
    if (it->second == value) {
      map.erase(it);
      return;
    }
  }
}

}  // namespace

void ObjectCache::Invalidate() {
  std::unique_lock lock(mu_);
  valid_ = false;
}

void ObjectCache::NewLoginEpoch() {
  std::unique_lock lock(mu_);
  ++epoch_;
  valid_ = false;
}

void ObjectCache::Publish(Record& r, std::vector<std::shared_ptr<Object>> objects) const {
  r.objects.clear();
  for (auto& obj : objects) {
    if (obj->is_private()) obj->handle = WithLoginEpoch(obj->handle, epoch_);
    r.objects.push_back(std::move(obj));
  }
}

void ObjectCache::IndexObjects(Tables& t, const Record& r) {
  for (const ObjectPtr& obj : r.objects) {
    if (auto id = obj->attrs.View(CKA_ID)) t.by_class_id.emplace(ClassIdKey(obj->object_class(), *id), obj->handle);
  }
}

void ObjectCache::UnindexObjects(Tables& t, const Record& r) {
  for (const ObjectPtr& obj : r.objects) {
    if (auto id = obj->attrs.View(CKA_ID)) EraseValue(t.by_class_id, ClassIdKey(obj->object_class(), *id), obj->handle);
  }
}

void ObjectCache::IndexRecord(Tables& t, uint64_t id) {
  const Record& r = t.records.at(id);
  t.by_label.emplace(std::string_view(r.tag), id);
  if (IsUnlabelledTag(r.tag)) t.by_label.emplace(std::string_view(), id);
  if (!r.loaded) ++t.unloaded_by_type[r.type];
  if (r.loaded) IndexObjects(t, r);
}

void ObjectCache::UnindexRecord(Tables& t, uint64_t id) {
  const Record& r = t.records.at(id);
  EraseValue(t.by_label, std::string_view(r.tag), id);
  if (IsUnlabelledTag(r.tag)) EraseValue(t.by_label, std::string_view(), id);
  if (!r.loaded) --t.unloaded_by_type[r.type];
  if (r.loaded) UnindexObjects(t, r);
}

bool ObjectCache::IsLatest(const Tables& t, uint64_t id, const Record& r) {
  auto [b, e] = t.by_label.equal_range(std::string_view(r.tag));
  for (auto it = b; it != e; ++it) {
    if (it->second == id) continue;
    const Record& other = t.records.at(it->second);
    if (other.type == r.type && other.tag == r.tag && other.version > r.version) return false;
  }
  return true;
}

void ObjectCache::MarkLatest(const Tables& t, std::string_view tag) {
  auto [b, e] = t.by_label.equal_range(tag);
  for (auto it = b; it != e; ++it) {
    const Record& r = t.records.at(it->second);
    if (!r.loaded || r.tag != tag) continue;
    bool latest = IsLatest(t, it->second, r);
    for (const ObjectPtr& obj : r.objects) obj->set_latest(latest);
  }
}

Status ObjectCache::Refresh(store::Store& store, bool force) {
  CF_ASSIGN_OR_RETURN(uint64_t counter, store.ChangeCounter());
  bool user_open = store.user_key_open();
  {
    std::shared_lock lock(mu_);
    if (!force && valid_ && counter == counter_ && user_open == user_open_) return Status::Ok();
  }
  Tables fresh;
  uint32_t epoch = 0;
  CF_RETURN_IF_ERROR(store.ForEachInfo([&](const store::EntryInfo& info) {
    if (info.tier == store::Tier::kUser && !user_open) return;
    fresh.records.emplace_hint(fresh.records.end(), info.id,
                               Record{info.revision, info.version, info.tag, info.type, false, {}});
  }));
  {
    // Entries whose revision did not change keep their loaded objects (and parsed key material). Done after the
    // listing, not inside it: the store's lock is never held while this cache's lock is taken.
    // After a login or logout, private objects are built again: their handles carry the login epoch.
    std::shared_lock lock(mu_);
    epoch = epoch_;
    const bool same_epoch = tables_epoch_ == epoch_;
    for (auto& [id, record] : fresh.records) {
      if (tables_.records.empty()) break;
      auto old = tables_.records.find(id);
      if (old == tables_.records.end() || !old->second.loaded || old->second.revision != record.revision) continue;
      const auto& objects = old->second.objects;
      if (!same_epoch &&
          std::any_of(objects.begin(), objects.end(), [](const ObjectPtr& o) { return o->is_private(); }))
        continue;
      record.loaded = true;
      record.objects = objects;
    }
  }
  fresh.by_label.reserve(fresh.records.size());
  for (const auto& [id, record] : fresh.records) IndexRecord(fresh, id);
  for (const auto& [id, record] : fresh.records) {
    if (!record.loaded) continue;
    bool latest = IsLatest(fresh, id, record);
    for (const ObjectPtr& obj : record.objects) obj->set_latest(latest);
  }
  std::unique_lock lock(mu_);
  tables_ = std::move(fresh);
  tables_epoch_ = epoch;
  counter_ = counter;
  user_open_ = user_open;
  valid_ = epoch == epoch_;  // a login meanwhile: refresh again at the next use
  return Status::Ok();
}

Status ObjectCache::Load(store::Store& store, const std::vector<uint64_t>& ids) {
  if (ids.empty()) return Status::Ok();
  CF_ASSIGN_OR_RETURN(std::vector<Result<store::Entry>> loaded, store.GetMany(ids));
  struct Built {
    store::EntryInfo info;
    std::vector<std::shared_ptr<Object>> objects;
    bool failed = false;
  };
  std::vector<Built> built;
  built.reserve(loaded.size());
  for (size_t i = 0; i < loaded.size() && i < ids.size(); ++i) {
    if (loaded[i].ok()) {
      Built b{loaded[i]->info, {}, false};
      b.objects = EntryToObjects(*loaded[i]);
      built.push_back(std::move(b));
      continue;
    }
    // Removed by another process, or the user logged out meanwhile: the next refresh settles the record.
    Code code = loaded[i].status().code();
    if (code == Code::kNotFound || code == Code::kFailedPrecondition) continue;
    // One bad entry must not hide the others (checklist 46); say which and why, once: the record stays loaded
    // with no objects until its revision changes.
    log::Warning("cf-pkcs11: entry " + std::to_string(ids[i]) +
                 " cannot be read and is not shown: " + loaded[i].status().ToString());
    store::EntryInfo info;
    info.id = ids[i];
    built.push_back({std::move(info), {}, true});
  }
  std::unique_lock lock(mu_);
  for (Built& b : built) {
    auto it = tables_.records.find(b.info.id);
    if (it == tables_.records.end()) continue;  // a refresh meanwhile dropped it
    Record& r = it->second;
    if (r.loaded && (b.failed || r.revision >= b.info.revision)) continue;  // another thread was first
    if (r.loaded) {
      UnindexObjects(tables_, r);
    } else {
      --tables_.unloaded_by_type[r.type];
      r.loaded = true;
    }
    // A newer revision than the listing's (another process updated the blob) is still this entry: tag, type and
    // version never change, so the record takes it.
    if (!b.failed) r.revision = b.info.revision;
    Publish(r, std::move(b.objects));
    IndexObjects(tables_, r);
    bool latest = IsLatest(tables_, it->first, r);
    for (const ObjectPtr& obj : r.objects) obj->set_latest(latest);
  }
  return Status::Ok();
}

Result<ObjectPtr> ObjectCache::Lookup(store::Store& store, CK_OBJECT_HANDLE handle, bool require_valid, bool exact) {
  const uint64_t id = EntryIdOf(handle);
  for (int pass = 0; pass < 2; ++pass) {
    {
      std::shared_lock lock(mu_);
      if (require_valid && !valid_) return ObjectPtr();
      auto it = tables_.records.find(id);
      if (it == tables_.records.end()) return ObjectPtr();
      if (it->second.loaded) {
        for (const ObjectPtr& obj : it->second.objects) {
          if (obj->handle == handle || (!exact && (obj->handle & kHandleLowBits) == handle)) return obj;
        }
        return ObjectPtr();
      }
    }
    if (pass == 0) CF_RETURN_IF_ERROR(Load(store, {id}));
  }
  return ObjectPtr();  // could not be loaded (logged by Load, or settled by the next refresh)
}

Result<ObjectPtr> ObjectCache::Get(store::Store& store, CK_OBJECT_HANDLE handle) {
  return Lookup(store, handle, false);
}

Result<ObjectPtr> ObjectCache::GetWritten(store::Store& store, uint64_t entry_id) {
  return Lookup(store, TokenHandle(entry_id, 0), false, false);
}

Result<ObjectPtr> ObjectCache::GetIfValid(store::Store& store, CK_OBJECT_HANDLE handle) {
  return Lookup(store, handle, true);
}

void ObjectCache::Collect(const AttributeSet& pattern, std::vector<Hit>* hits, std::vector<uint64_t>* missing) const {
  const Tables& t = tables_;
  auto consider = [&](uint64_t id, const Record& r) {
    if (!r.loaded) {
      missing->push_back(id);
      return;
    }
    if (r.objects.empty()) return;
    bool own = entries::IsOwnEntryType(r.type);
    for (const ObjectPtr& obj : r.objects) hits->push_back({obj, own || obj->latest()});
  };
  if (pattern.Has(CKA_LABEL)) {
    std::string label = pattern.GetString(CKA_LABEL);
    auto [b, e] = t.by_label.equal_range(std::string_view(label));
    for (auto it = b; it != e; ++it) consider(it->second, t.records.at(it->second));
    return;
  }
  auto object_class = pattern.GetUlong(CKA_CLASS);
  // Any entry may show a data object (a payload this module cannot read is one), so only other classes narrow.
  if (!object_class || *object_class == CKO_DATA) {
    for (const auto& [id, r] : t.records) consider(id, r);
    return;
  }
  // Our entries' type names their class; a framework entry's type does not, so those are always candidates.
  const std::string own_type = EntryTypeFor(*object_class);
  auto may_hold = [&](const std::string& type) { return type == own_type || !entries::IsOwnEntryType(type); };
  size_t unloaded = 0;
  for (const auto& [type, count] : t.unloaded_by_type) {
    if (may_hold(type)) unloaded += count;
  }
  auto id = pattern.View(CKA_ID);
  if (id && unloaded == 0) {
    // Every entry that can hold this class is loaded, so the index of loaded objects is complete.
    auto [b, e] = t.by_class_id.equal_range(ClassIdKey(*object_class, *id));
    for (auto it = b; it != e; ++it) {
      uint64_t entry_id = EntryIdOf(it->second);
      const Record& r = t.records.at(entry_id);
      for (const ObjectPtr& obj : r.objects) {
        if (obj->handle == it->second) hits->push_back({obj, entries::IsOwnEntryType(r.type) || obj->latest()});
      }
    }
    return;
  }
  for (const auto& [entry_id, r] : t.records) {
    if (may_hold(r.type)) consider(entry_id, r);
  }
}

Result<std::vector<ObjectCache::Hit>> ObjectCache::Candidates(store::Store& store, const AttributeSet& pattern) {
  std::vector<Hit> hits;
  std::vector<uint64_t> missing;
  {
    std::shared_lock lock(mu_);
    Collect(pattern, &hits, &missing);
  }
  if (!missing.empty()) {
    CF_RETURN_IF_ERROR(Load(store, missing));
    // Second and last pass: what still is not loaded could not be (logged) or left meanwhile.
    hits.clear();
    missing.clear();
    std::shared_lock lock(mu_);
    Collect(pattern, &hits, &missing);
  }
  // Results in handle (= creation) order, whichever index found them.
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.object->handle < b.object->handle; });
  return hits;
}

Status ObjectCache::ApplyOwnWrite(store::Store& store, uint64_t before, const store::Entry* added,
                                  uint64_t removed_id) {
  std::vector<const store::Entry*> all;
  if (added != nullptr) all.push_back(added);
  return ApplyOwnWrite(store, before, all, removed_id);
}

Status ObjectCache::ApplyOwnWrite(store::Store& store, uint64_t before, const std::vector<const store::Entry*>& added,
                                  uint64_t removed_id) {
  CF_ASSIGN_OR_RETURN(uint64_t after, store.ObservedChangeCounter());
  const bool user_open = store.user_key_open();  // asked before locking: the cache never holds its lock in a store call
  {
    std::unique_lock lock(mu_);
    bool current = valid_ && user_open_ == user_open;
    if (current && counter_ == after) return Status::Ok();  // a reader's refresh already took this write in
    if (current && counter_ == before && after == before + 1) {
      for (const store::Entry* entry : added) {
        if (entry->info.tier == store::Tier::kUser && !user_open_) return Status::Ok();
      }
      for (const store::Entry* entry : added) {
        const store::EntryInfo& info = entry->info;
        std::string old_tag;  // a Retag moves the entry: its old tag's newest version may change too
        if (auto old = tables_.records.find(info.id); old != tables_.records.end()) {
          old_tag = old->second.tag;
          UnindexRecord(tables_, info.id);
          tables_.records.erase(old);
        }
        Record r{info.revision, info.version, info.tag, info.type, true, {}};
        Publish(r, EntryToObjects(*entry));
        tables_.records.emplace(info.id, std::move(r));
        IndexRecord(tables_, info.id);
        MarkLatest(tables_, info.tag);
        if (!old_tag.empty() && old_tag != info.tag) MarkLatest(tables_, old_tag);
      }
      if (auto old = tables_.records.find(removed_id); added.empty() && old != tables_.records.end()) {
        std::string tag = old->second.tag;
        UnindexRecord(tables_, removed_id);
        tables_.records.erase(old);
        MarkLatest(tables_, tag);  // an older version may be the newest now
      }
      counter_ = after;
      return Status::Ok();
    }
  }
  return Refresh(store, false);
}

}  // namespace cf::p11
