// Object: one PKCS#11 object as the model holds it — its attributes, where it lives (a cryptstore entry or a
// session) and its handle. Immutable once published (a change makes a new Object), so readers on any thread share
// it without locks; only the lazily parsed key material is guarded.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/key_material.h"
#include "pkcs11/model/attribute_set.h"
#include "pkcs11/model/object_schema.h"

namespace cf::p11 {

// Handles: token objects derive from the entry's persistent id (stable across fork, C_Initialize and every
// attribute change, relabel included: Store::Retag keeps the id); an entry of the framework that holds a private
// key shows a second (public key) object with sub = 1. Session objects take handles from a separate range that
// entry-derived handles never reach. A private token object's handle also carries the login epoch above bit 32
// (WithLoginEpoch: the number of user logouts so far): PKCS#11 3.0 section 5.6.4 (C_Logout) makes the application's
// handles to private objects invalid "even if a user is later logged back into the token", as SoftHSMv2 does by
// dropping them at logout; an entry-derived handle would otherwise work again after the next C_Login.
static_assert(sizeof(CK_OBJECT_HANDLE) >= 8, "private handles carry the login epoch above bit 32");
inline constexpr CK_OBJECT_HANDLE kSessionObjectBase = 0xC0000000UL;
inline constexpr CK_OBJECT_HANDLE kHandleLowBits = 0xFFFFFFFFUL;
inline CK_OBJECT_HANDLE TokenHandle(uint64_t entry_id, unsigned sub) { return (entry_id << 1) | sub; }
inline CK_OBJECT_HANDLE WithLoginEpoch(CK_OBJECT_HANDLE handle, uint32_t epoch) {
  return (handle & kHandleLowBits) | (static_cast<CK_OBJECT_HANDLE>(epoch) << 32);
}
inline uint64_t EntryIdOf(CK_OBJECT_HANDLE handle) { return (handle & kHandleLowBits) >> 1; }
inline bool IsSessionHandle(CK_OBJECT_HANDLE handle) {
  return handle >= kSessionObjectBase && handle <= kHandleLowBits;
}

struct Object {
  CK_OBJECT_HANDLE handle = 0;
  AttributeSet attrs;
  const Schema* schema = nullptr;
  bool token = false;
  // Token objects: the entry behind it.
  uint64_t entry_id = 0;
  uint64_t revision = 0;
  std::string tag;
  std::string type;
  int32_t version = 0;
  bool read_only = false;  // a view of a framework entry (cf-osutility's): not modifiable through PKCS#11
  // A data object for a framework secret that may not leave the VM: CKA_VALUE exists but is never revealed
  // (egress_rule.h), so reading it answers CKR_ATTRIBUTE_SENSITIVE.
  bool value_withheld = false;
  // Session objects: the session that made it.
  CK_SESSION_HANDLE session = 0;

  CK_OBJECT_CLASS object_class() const { return attrs.GetUlong(CKA_CLASS).value_or(CKO_DATA); }
  bool is_private() const { return attrs.GetBool(CKA_PRIVATE, false); }
  bool is_key() const {
    CK_OBJECT_CLASS c = object_class();
    return c == CKO_PUBLIC_KEY || c == CKO_PRIVATE_KEY || c == CKO_SECRET_KEY;
  }
  // CKA_CF_LATEST: whether this is the newest version of its tag/type among the listed entries. The one fact that
  // changes after publication (a newer version comes or goes without touching this entry), so the object cache
  // sets it under its exclusive lock instead of rebuilding the object and losing its parsed key.
  bool latest() const { return latest_.load(std::memory_order_relaxed); }
  void set_latest(bool latest) const { latest_.store(latest, std::memory_order_relaxed); }
  // Parsed once and shared by every operation on the key (mechanism.h).
  Result<std::shared_ptr<const KeyMaterial>> Key() const;

 private:
  mutable std::atomic<bool> latest_{true};
  mutable std::mutex key_mu_;  // the first parse; afterwards key_ready_ lets readers skip it
  mutable std::atomic<bool> key_ready_{false};
  mutable std::shared_ptr<const KeyMaterial> key_;  // written once, before key_ready_
};

using ObjectPtr = std::shared_ptr<const Object>;

}  // namespace cf::p11
