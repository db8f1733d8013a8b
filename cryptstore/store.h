// Store: the only way to cryptstore entries. A versioned table of entries (tag, type, version, time_entered, blob,
// exportable), each blob AES-256-GCM under a data key with (id, tag, type, version) as AAD, data keys sealed to
// the platform through a Sealer. Two backends behind this one interface: sqlite (default) and cf-file (the
// Certifier Framework's whole-file encrypted cryptstore). Knows nothing of PKCS#11 or attestation.
//
// Threads: every method is safe to call from several threads. Processes: several processes may open one store;
// each write is durable and atomic when it returns OK. fork: a child may go on using a Store it inherited; the
// backend notices the pid change and reopens its connection before the next call (never uses SQLite across fork).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "cryptstore/monotonic_counter.h"
#include "cryptstore/sealer.h"

namespace cf::store {

// Which data key protects an entry. kPlatform: the platform data key, sealed to the platform only (readable as soon
// as the store opens; what cf-osutility writes by default, and PKCS#11 public objects). kUser: the user data key,
// wrapped under keys derived from the user PIN and the SO PIN, each wrapped copy sealed to the platform.
enum class Tier { kPlatform = 0, kUser = 1 };

enum class Role { kSecurityOfficer = 0, kUser = 1 };

// Who wrote an entry, bound into its sealed metadata so no other writer can claim it. kTool: cf-osutility, an
// import, the framework's tools, the key service (the framework's formats). kToken: the PKCS#11 module (its own
// object message). The module accepts an entry in its object format only from kToken (SECURITY.md: forged objects),
// and C_InitToken removes only kToken entries.
enum class Origin { kTool = 0, kToken = 1 };

struct EntryInfo {
  uint64_t id = 0;           // persistent, unique in this store, never reused; PKCS#11 handles derive from it
  uint64_t revision = 0;     // changes whenever the entry's blob or exportable flag changes
  std::string tag;           // non-empty UTF-8
  std::string type;          // e.g. "key-message-serialized-protobuf", "X509-der-cert", "binary-blob"
  int32_t version = 0;       // >= 1
  std::string time_entered;  // RFC 3339 UTC
  bool exportable = false;
  Tier tier = Tier::kPlatform;
  Origin origin = Origin::kTool;
  bool requires_admission = false;  // see NewEntry
};

struct Entry {
  EntryInfo info;
  SecureBytes blob;  // plaintext
};

struct NewEntry {
  std::string tag;
  std::string type;
  int32_t version = 0;  // 0: latest + 1 (1 when the tag/type is new); else must not exist yet
  SecureBytes blob;
  bool exportable = false;
  Tier tier = Tier::kPlatform;
  Origin origin = Origin::kTool;
  std::string time_entered;  // empty: now
  // A condition of use the token enforces and the store only keeps: the key may be used only while its token holds
  // a valid admission certificate (CKA_CF_REQUIRES_ADMISSION). Sealed with the entry's metadata, so no other writer
  // turns it off, and kept by Update and Retag. The framework's plaintext cryptstore has no field for it: an
  // export/import drops it (such keys are not exportable).
  bool requires_admission = false;
};

struct VersionRange {
  int32_t earliest = 0;
  int32_t latest = 0;
};

struct PinState {
  bool initialized = false;      // a PIN of this role has been set
  uint32_t failed_attempts = 0;  // consecutive failures since the last success (durable)
  bool locked = false;           // failed_attempts reached the limit
};

enum class Backend { kSqlite, kCfFile };

struct StoreOptions {
  Backend backend = Backend::kSqlite;
  std::string path;  // sqlite: the database file; cf-file: the encrypted cryptstore file
  std::shared_ptr<Sealer> sealer;
  // The platform's monotonic counter for rollback detection (SECURITY.md, Rollback); null: none on this platform.
  // One counter serves one store: two stores sharing it would each look rolled back to the other.
  std::shared_ptr<MonotonicCounter> counter;
  bool create_if_missing = true;
  bool read_only = false;                // open without write access (a signer under a read-only policy)
  uint32_t pin_kdf_iterations = 100000;  // PBKDF2-HMAC-SHA256 cost for PIN-derived keys (new PINs)
  uint32_t max_failed_logins = 10;       // consecutive wrong PINs before the role is locked
};

// Limits that keep one bad entry from exhausting memory: a 10 MiB blob is fine; larger is kResourceExhausted.
inline constexpr size_t kMaxBlobSize = 64u << 20;
inline constexpr size_t kMaxTagSize = 4096;

class Store {
 public:
  // kNotFound if missing and !create_if_missing; kUnauthenticated/kCorrupt if the platform cannot unseal the
  // store's platform data key (wrong platform key, tampered file); kCorrupt for an empty or incomplete file (never
  // treated as a new store); kRolledBack when the options' counter is ahead of the store's epoch (an older copy).
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  virtual ~Store() = default;

  // ---- Entries. Version rules (the framework's documented ones): versions are positive; a put with version 0
  // takes latest+1, or 1 if the tag/type is new; a get with version 0 returns the latest.
  virtual Result<EntryInfo> Put(const NewEntry& entry) = 0;
  // type empty matches any type (kInvalidArgument if the tag has entries of several types).
  // Several puts as one write (sqlite: one transaction; cf-file: one rewrite): all or none, versions chosen in
  // order. Imports use it; a cf-file store would otherwise be rewritten once per entry. (Added by the store owner;
  // the default loops Put and is not atomic — both backends override it.)
  virtual Result<std::vector<EntryInfo>> PutMany(const std::vector<NewEntry>& entries);
  virtual Result<Entry> Get(std::string_view tag, std::string_view type, int32_t version = 0) = 0;
  virtual Result<Entry> GetById(uint64_t id) = 0;
  // Several entries by id in one read: one result per id, in order, so one bad entry does not hide the others.
  // (Added for issue 7: a fresh process's first find loads every entry, and the sqlite backend otherwise pays a
  // statement prepare and a read lock per entry. The default loops GetById.)
  virtual Result<std::vector<Result<Entry>>> GetMany(const std::vector<uint64_t>& ids);
  virtual Result<std::vector<EntryInfo>> List() = 0;  // every entry's metadata (no blobs), ordered by id
  // List() without the copy: each entry's metadata, in id order, handed to `visit` under the store's lock (the
  // object cache lists 5 000 entries in a fresh process). `visit` must not call the store. The default visits List().
  virtual Status ForEachInfo(const std::function<void(const EntryInfo&)>& visit);
  virtual Result<VersionRange> Versions(std::string_view tag, std::string_view type) = 0;
  // Replaces blob and exportable of an existing entry (same tag, type, version, tier); revision changes.
  virtual Status Update(uint64_t id, ByteView blob, bool exportable) = 0;
  // Renames an entry in place (a PKCS#11 relabel, issue 12): it keeps its id — so every handle derived from it
  // stays valid, here and in other processes — its type, tier, origin and time_entered, and gets `tag`, `blob` and
  // `exportable`. Its version becomes the next one of (tag, type): latest + 1, or 1 when that tag/type is new, so
  // it never collides with an entry already there (a relabel onto a used label succeeds) and a get of version 0
  // then finds it. The blob is sealed again because tag and version are in its AAD. `tag` equal to the current
  // tag keeps the version (an Update). kNotFound if no such id; revision changes.
  virtual Result<EntryInfo> Retag(uint64_t id, std::string_view tag, ByteView blob, bool exportable) = 0;
  virtual Status Remove(uint64_t id) = 0;
  // Several removals as one write (sqlite: one transaction; cf-file: one rewrite) that raises the rollback epoch
  // once: the epoch's sealed counter and syncs are most of what a removal costs. Ids already gone are skipped (another
  // process may have pruned them first); the result is how many this call removed. The default loops Remove.
  virtual Result<size_t> RemoveMany(const std::vector<uint64_t>& ids);
  // Changes whenever any process commits a write to this store; cheap (no decryption). Lets callers keep caches.
  virtual Result<uint64_t> ChangeCounter() = 0;
  // ChangeCounter() as of this process's last look at the store and its own writes, without asking the database
  // (no read transaction, no lock on its files): lets the object cache tell whether its own write was the only
  // change — a write that finds another process's commit refreshes the index, moving the counter by more than one.
  // The default asks ChangeCounter().
  virtual Result<uint64_t> ObservedChangeCounter() { return ChangeCounter(); }

  // ---- User tier and PINs. Reading or writing a kUser entry needs the user data key: kFailedPrecondition until
  // Login(kUser) (or Login(kSecurityOfficer), which also opens the user key so the SO can reset the user PIN).
  // SetSoPin on a store without an SO PIN creates the user data key (wrapped under the SO PIN only).
  virtual Status SetSoPin(const SecureString& so_pin) = 0;
  // Sets (or, as SO, resets) the user PIN; clears the user's failed-attempt counter. Needs Login(kSecurityOfficer).
  virtual Status InitUserPin(const SecureString& user_pin) = 0;
  // Changes the PIN of `role` after checking old_pin (counts as a login attempt).
  virtual Status ChangePin(Role role, const SecureString& old_pin, const SecureString& new_pin) = 0;
  // kUnauthenticated on a wrong PIN (counter incremented durably), kLocked when the limit is reached (even for the
  // right PIN), kFailedPrecondition if no PIN of that role is set, kRolledBack when the store is an older copy
  // than the platform counter says. On success the counter is reset.
  virtual Status Login(Role role, const SecureString& pin) = 0;
  virtual void Logout() = 0;  // forgets the user data key (wiped)
  virtual bool user_key_open() const = 0;
  virtual Result<PinState> GetPinState(Role role) = 0;

  // ---- Token metadata: small named values (label, flags, counters) sealed under the platform data key.
  virtual Result<std::optional<Bytes>> GetMeta(std::string_view name) = 0;
  virtual Status PutMeta(std::string_view name, ByteView value) = 0;

  // Removes every entry, every PIN and the user data key, keeping the platform data key (C_InitToken). Needs a
  // preceding Login(kSecurityOfficer) unless no SO PIN was ever set.
  virtual Status Wipe() = 0;
  // C_InitToken on a token that also holds the OS's entries: removes every Origin::kToken entry and the user PIN in
  // one write, keeping the tools' entries, the SO PIN and the user data key (so PIN-tier tool entries stay readable
  // once the SO sets a user PIN again). Needs a preceding Login(kSecurityOfficer) when an SO PIN is set.
  virtual Status RemoveTokenEntries() = 0;

  virtual Backend backend() const = 0;
  virtual const std::string& path() const = 0;
};

}  // namespace cf::store
