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
  virtual Result<cf_pkcs11::StoreKeys> ReadKeysLocked() = 0;
  virtual Status MutateKeysLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) = 0;
  // Removes every entry (or only the Origin::kToken ones) and sets `keys` in one atomic write.
  virtual Status WipeLocked(const cf_pkcs11::StoreKeys& keys, bool token_entries_only) = 0;

  // A new StoreKeys with a fresh platform data key sealed to the platform.
  static Result<cf_pkcs11::StoreKeys> NewKeys(Sealer& sealer);
  // Unseals the platform data key (kUnauthenticated/kCorrupt from the Sealer name the store).
  Status UnsealPlatformKey(const cf_pkcs11::StoreKeys& keys);

  // The key of `tier`, or kFailedPrecondition when the user key is not open.
  Result<ByteView> TierKey(Tier tier) const;

  StoreOptions options_;
  mutable std::mutex mu_;
  SecureBytes platform_key_;
  std::optional<SecureBytes> user_key_;
  bool so_logged_in_ = false;

 private:
  Result<cf_pkcs11::StorePinWrap> MakeWrap(const SecureString& pin, ByteView user_key);
  // Counts the attempt durably before checking, so a killed process cannot get a free guess.
  Result<SecureBytes> CheckPinLocked(Role role, const SecureString& pin);
};

}  // namespace cf::store
