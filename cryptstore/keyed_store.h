// KeyedStore: what both backends share above their storage — the data keys, PIN wrapping and the PIN state
// machine (Login, ChangePin, InitUserPin, SetSoPin, lockout). A backend supplies durable read/modify/write of the
// StoreKeys message (ReadKeys/MutateKeys) and entry storage; it must hold mu_ in every public method it adds.
#pragma once

#include <sys/types.h>

#include <functional>
#include <mutex>
#include <optional>

#include "cryptstore/store.h"
#include "proto/cf_pkcs11.pb.h"

namespace cf::store {

class KeyedStore : public Store {
 public:
  Status SetSoPin(const SecureString& so_pin) override;
  Status InitUserPin(const SecureString& user_pin) override;
  Status ChangePin(Role role, const SecureString& old_pin, const SecureString& new_pin) override;
  Status Login(Role role, const SecureString& pin) override;
  void Logout() override;
  bool user_key_open() const override;
  Result<PinState> GetPinState(Role role) override;
  Status Wipe() override;
  Status RemoveTokenEntries() override;
  const std::string& path() const override { return options_.path; }

 protected:
  explicit KeyedStore(const StoreOptions& options) : options_(options) {}

  // Durable storage of the key message. MutateKeys: one atomic read-modify-write; fn's error aborts the write.
  // Backends store the message as given: the epoch and its MAC are KeyedStore's (MutateKeysEpochLocked).
  virtual Result<cf_pkcs11::StoreKeys> ReadKeysLocked() = 0;
  virtual Status MutateKeysLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) = 0;
  // Removes every entry (or only the Origin::kToken ones) and applies fn to the key record in one atomic write.
  virtual Status WipeLocked(bool token_entries_only, const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) = 0;

  // A new key record: a fresh platform data key sealed to the platform (kept in platform_key_), and an epoch
  // equal to the platform counter, so a store made again on a platform that counted before is not "rolled back".
  Result<cf_pkcs11::StoreKeys> NewKeysLocked();
  // Unseals the platform data key (kUnauthenticated/kCorrupt from the Sealer name the store).
  Status UnsealPlatformKey(const cf_pkcs11::StoreKeys& keys);

  // ---- Rollback (SECURITY.md). Every write of the key record goes through NextEpochLocked inside the backend's
  // transaction; a write that raised the epoch is followed by PublishEpochLocked once it is durable.
  // Checks keys' MAC and its epoch against the platform counter: kRolledBack when the epoch is behind; a counter
  // behind the epoch (a crash between the store's write and the counter's) is advanced.
  Status CheckRollbackLocked(const cf_pkcs11::StoreKeys& keys);
  // The same check on a read path (open, PIN check), where no lock spans reading `keys` and reading the counter: a
  // writer in another process may commit a newer epoch and raise the counter in between. The counter only ever
  // follows an epoch already committed, so a record read again after the counter is at least as new as the counter
  // was: only when that one is behind the same counter value too was the store rolled back.
  Status CheckRollbackOnReadLocked(const cf_pkcs11::StoreKeys& keys);
  // In a write, on the record as read: checks it as above, applies `change` (if any), then re-MACs it with the
  // epoch raised by one (bump) or unchanged.
  Status NextEpochLocked(cf_pkcs11::StoreKeys& keys, bool bump,
                         const std::function<Status(cf_pkcs11::StoreKeys&)>& change = nullptr);
  // After the write committed: the platform counter follows the epoch. An error here means the write is stored
  // but the counter is behind (detected and repaired at the next check).
  Status PublishEpochLocked();
  // MutateKeysLocked + NextEpochLocked + PublishEpochLocked.
  Status MutateKeysEpochLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn, bool bump);

  // The key of `tier`, or kFailedPrecondition when the user key is not open.
  Result<ByteView> TierKey(Tier tier) const;

  StoreOptions options_;
  mutable std::mutex mu_;
  SecureBytes platform_key_;
  std::optional<SecureBytes> user_key_;
  bool so_logged_in_ = false;
  uint64_t unpublished_epoch_ = 0;  // raised by a write, not yet given to the platform counter

 private:
  Result<std::optional<uint64_t>> ReadCounter();  // nullopt: this platform keeps no counter
  Status CheckRollback(const cf_pkcs11::StoreKeys& keys, bool log_refusal);
  // keys' MAC and epoch against a counter value read earlier (nullopt: no counter); repair_counter advances a
  // counter found behind the epoch.
  Status CheckEpoch(const cf_pkcs11::StoreKeys& keys, std::optional<uint64_t> counter, bool log_refusal,
                    bool repair_counter);
  Result<cf_pkcs11::StorePinWrap> MakeWrap(const SecureString& pin, ByteView user_key);
  // Wipe (everything) or RemoveTokenEntries (!everything) under mu_.
  Status ClearLocked(bool everything);
  // Counts the attempt durably before checking, so a killed process cannot get a free guess.
  Result<SecureBytes> CheckPinLocked(Role role, const SecureString& pin);
};

}  // namespace cf::store
