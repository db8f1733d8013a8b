// Cache refresh: entries whose id and revision are unchanged keep their Object (and parsed key material);
// private-tier entries are read only while the user data key is open.
#include "pkcs11/model/object_cache.h"

#include <algorithm>
#include <mutex>

#include "common/log.h"
#include "pkcs11/model/object_codec.h"

namespace cf::p11 {
namespace {

std::string ClassIdKey(CK_ULONG object_class, ByteView id) {
  return std::to_string(object_class) + ":" + AsString(id);
}

std::string TagTypeKey(const Object& obj) { return obj.tag + '\0' + obj.type; }

template <typename Multimap>
void EraseValue(Multimap& map, const typename Multimap::key_type& key, CK_OBJECT_HANDLE handle) {
  auto [b, e] = map.equal_range(key);
  for (auto it = b; it != e; ++it) {
    if (it->second == handle) {
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

Status ObjectCache::Refresh(store::Store& store, bool force) {
  CF_ASSIGN_OR_RETURN(uint64_t counter, store.ChangeCounter());
  bool user_open = store.user_key_open();
  {
    std::shared_lock lock(mu_);
    if (!force && valid_ && counter == counter_ && user_open == user_open_) return Status::Ok();
  }
  CF_ASSIGN_OR_RETURN(std::vector<store::EntryInfo> infos, store.List());
  Tables fresh;
  std::map<std::pair<std::string, std::string>, int32_t> latest_version;
  std::vector<const store::EntryInfo*> to_load;
  {
    std::shared_lock lock(mu_);
    for (const store::EntryInfo& info : infos) {
      if (info.tier == store::Tier::kUser && !user_open) continue;
      auto& v = latest_version[{info.tag, info.type}];
      v = std::max(v, info.version);
      auto it = tables_.by_handle.find(TokenHandle(info.id, 0));
      if (it != tables_.by_handle.end() && it->second->revision == info.revision) {
        for (unsigned sub = 0; sub < 2; ++sub) {
          auto kept = tables_.by_handle.find(TokenHandle(info.id, sub));
          if (kept != tables_.by_handle.end()) fresh.by_handle[kept->first] = kept->second;
        }
        continue;
      }
      to_load.push_back(&info);
    }
  }
  // Changed entries in one read (a fresh process loads them all: one statement instead of one per entry).
  std::vector<uint64_t> ids;
  ids.reserve(to_load.size());
  for (const store::EntryInfo* info : to_load) ids.push_back(info->id);
  CF_ASSIGN_OR_RETURN(std::vector<Result<store::Entry>> loaded, store.GetMany(ids));
  for (size_t i = 0; i < to_load.size() && i < loaded.size(); ++i) {
    const store::EntryInfo& info = *to_load[i];
    if (!loaded[i].ok()) {
      // One bad entry must not hide the others (checklist 46); say which and why.
      log::Warning("cf-pkcs11: entry " + std::to_string(info.id) + " ('" + info.tag + "', " + info.type +
                   ") cannot be read and is not shown: " + loaded[i].status().ToString());
      continue;
    }
    for (auto& obj : EntryToObjects(*loaded[i])) fresh.by_handle[obj->handle] = std::move(obj);
  }
  for (const auto& [handle, obj] : fresh.by_handle) {
    fresh.latest[handle] = obj->version == latest_version[{obj->tag, obj->type}];
    if (auto id = obj->attrs.View(CKA_ID)) fresh.by_class_id.emplace(ClassIdKey(obj->object_class(), *id), handle);
    fresh.by_label.emplace(obj->attrs.GetString(CKA_LABEL), handle);
    fresh.by_tag_type.emplace(TagTypeKey(*obj), handle);
  }
  std::unique_lock lock(mu_);
  tables_ = std::move(fresh);
  counter_ = counter;
  user_open_ = user_open;
  valid_ = true;
  return Status::Ok();
}

void ObjectCache::Index(Tables& t, const ObjectPtr& obj) {
  t.by_handle[obj->handle] = obj;
  if (auto id = obj->attrs.View(CKA_ID)) t.by_class_id.emplace(ClassIdKey(obj->object_class(), *id), obj->handle);
  t.by_label.emplace(obj->attrs.GetString(CKA_LABEL), obj->handle);
  t.by_tag_type.emplace(TagTypeKey(*obj), obj->handle);
}

void ObjectCache::Unindex(Tables& t, const Object& obj) {
  if (auto id = obj.attrs.View(CKA_ID)) EraseValue(t.by_class_id, ClassIdKey(obj.object_class(), *id), obj.handle);
  EraseValue(t.by_label, obj.attrs.GetString(CKA_LABEL), obj.handle);
  EraseValue(t.by_tag_type, TagTypeKey(obj), obj.handle);
  t.latest.erase(obj.handle);
  t.by_handle.erase(obj.handle);
}

void ObjectCache::UpdateLatest(Tables& t, const std::string& tag_type) {
  auto [b, e] = t.by_tag_type.equal_range(tag_type);
  int32_t newest = 0;
  for (auto it = b; it != e; ++it) newest = std::max(newest, t.by_handle.at(it->second)->version);
  for (auto it = b; it != e; ++it) t.latest[it->second] = t.by_handle.at(it->second)->version == newest;
}

Status ObjectCache::ApplyOwnWrite(store::Store& store, uint64_t before, const store::Entry* added,
                                  uint64_t removed_id) {
  CF_ASSIGN_OR_RETURN(uint64_t after, store.ChangeCounter());
  {
    std::unique_lock lock(mu_);
    bool current = valid_ && user_open_ == store.user_key_open();
    if (current && counter_ == after) return Status::Ok();  // a reader's refresh already took this write in
    if (current && counter_ == before && after == before + 1) {
      if (added != nullptr) {
        if (added->info.tier == store::Tier::kUser && !user_open_) return Status::Ok();
        for (auto& obj : EntryToObjects(*added)) {
          std::string group = TagTypeKey(*obj);
          if (auto old = tables_.by_handle.find(obj->handle); old != tables_.by_handle.end())
            Unindex(tables_, *old->second);
          Index(tables_, std::move(obj));
          UpdateLatest(tables_, group);
        }
      } else {
        for (unsigned sub = 0; sub < 2; ++sub) {
          auto it = tables_.by_handle.find(TokenHandle(removed_id, sub));
          if (it == tables_.by_handle.end()) continue;
          ObjectPtr gone = it->second;  // keeps the object alive while its keys are erased
          Unindex(tables_, *gone);
          UpdateLatest(tables_, TagTypeKey(*gone));
        }
      }
      counter_ = after;
      return Status::Ok();
    }
  }
  return Refresh(store, false);
}

ObjectPtr ObjectCache::Get(CK_OBJECT_HANDLE handle) const {
  std::shared_lock lock(mu_);
  auto it = tables_.by_handle.find(handle);
  return it == tables_.by_handle.end() ? nullptr : it->second;
}

ObjectPtr ObjectCache::GetIfValid(CK_OBJECT_HANDLE handle) const {
  std::shared_lock lock(mu_);
  if (!valid_) return nullptr;
  auto it = tables_.by_handle.find(handle);
  return it == tables_.by_handle.end() ? nullptr : it->second;
}

std::vector<ObjectCache::Hit> ObjectCache::Candidates(const AttributeSet& pattern) const {
  std::shared_lock lock(mu_);
  std::vector<Hit> out;
  auto add = [&](CK_OBJECT_HANDLE h) {
    auto it = tables_.by_handle.find(h);
    if (it != tables_.by_handle.end()) out.push_back({it->second, tables_.latest.at(h)});
  };
  auto object_class = pattern.GetUlong(CKA_CLASS);
  auto id = pattern.View(CKA_ID);
  if (object_class && id) {
    auto [b, e] = tables_.by_class_id.equal_range(ClassIdKey(*object_class, *id));
    for (auto it = b; it != e; ++it) add(it->second);
  } else if (pattern.Has(CKA_LABEL)) {
    auto [b, e] = tables_.by_label.equal_range(pattern.GetString(CKA_LABEL));
    for (auto it = b; it != e; ++it) add(it->second);
  } else {
    for (const auto& [h, obj] : tables_.by_handle) out.push_back({obj, tables_.latest.at(h)});
  }
  return out;
}

}  // namespace cf::p11
