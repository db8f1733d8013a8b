// PIN wrapping of the user data key (PBKDF2-HMAC-SHA256 -> AES-256-GCM -> platform seal) and the login state
// machine with durable failed-attempt counters. A PIN is right exactly when its wrapped key authenticates, so the
// check is constant time by construction and no PIN hash is stored.
#include "cryptstore/keyed_store.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "common/aead.h"
#include "common/log.h"
#include "common/ossl.h"
#include "common/ossl_context.h"
#include "common/random.h"
#include "cryptstore/envelope.h"
#include "cryptstore/store_epoch.h"

namespace cf::store {
namespace {

constexpr char kWrapAad[] = "cf-pkcs11 user data key wrap v1";
constexpr uint32_t kSchemaVersion = 1;
// How long a login waits when the attempt count is at the limit. Every attempt is counted before its PIN is tried
// and a correct one resets the count, so many processes logging in at once (nginx's workers after fork) can fill
// the count with attempts that are about to succeed: waiting for them to finish tells that apart from a PIN that
// is really locked, which stays at the limit.
constexpr std::chrono::milliseconds kInFlightAttemptsWait{3000};
constexpr std::chrono::milliseconds kInFlightAttemptsPoll{20};

const char* RoleName(Role role) { return role == Role::kUser ? "user" : "security officer"; }

cf_pkcs11::StorePinWrap* WrapOf(cf_pkcs11::StoreKeys& keys, Role role) {
  return role == Role::kUser ? keys.mutable_user() : keys.mutable_so();
}
bool HasWrap(const cf_pkcs11::StoreKeys& keys, Role role) {
  return role == Role::kUser ? keys.has_user() : keys.has_so();
}
const cf_pkcs11::StorePinWrap& ReadWrap(const cf_pkcs11::StoreKeys& keys, Role role) {
  return role == Role::kUser ? keys.user() : keys.so();
}

Result<SecureBytes> DeriveKey(const SecureString& pin, ByteView salt, uint32_t iterations) {
  SecureBytes key(aead::kKeySize);
  ossl::Kdf pbkdf2(EVP_KDF_fetch(ossl::LibCtx(), "PBKDF2", ossl::kPropQuery));
  ossl::KdfCtx ctx(pbkdf2 ? EVP_KDF_CTX_new(pbkdf2.get()) : nullptr);
  char digest[] = "SHA2-256";
  int pkcs5 = 1;  // PKCS5_PBKDF2_HMAC's mode, which wrapped every stored PIN key: no SP 800-132 lower bounds
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(pin.data()), pin.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_ITER, &iterations),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5),
      OSSL_PARAM_construct_end()};
  if (!ctx || EVP_KDF_derive(ctx.get(), key.data(), key.size(), params) != 1)
    return ossl::Error("PBKDF2-HMAC-SHA256 of a PIN");
  return key;
}

}  // namespace

Result<cf_pkcs11::StoreKeys> KeyedStore::NewKeysLocked() {
  CF_ASSIGN_OR_RETURN(SecureBytes key, RandomSecret(kDataKeySize));
  CF_ASSIGN_OR_RETURN(Bytes sealed, options_.sealer->Seal(key));
  cf_pkcs11::StoreKeys keys;
  keys.set_schema_version(kSchemaVersion);
  keys.set_sealed_platform_key(AsString(sealed));
  uint64_t epoch = 0;
  if (options_.counter != nullptr) {
    CF_ASSIGN_OR_RETURN(std::optional<uint64_t> counter, options_.counter->Read());
    epoch = counter.value_or(0);
  }
  CF_RETURN_IF_ERROR(SealEpoch(key, epoch, keys));
  platform_key_ = std::move(key);
  return keys;
}

Status KeyedStore::UnsealPlatformKey(const cf_pkcs11::StoreKeys& keys) {
  if (keys.schema_version() != kSchemaVersion)
    return Status(Code::kCorrupt, "store '" + options_.path + "' has key schema version " +
                                      std::to_string(keys.schema_version()) + ", this build reads " +
                                      std::to_string(kSchemaVersion));
  auto key = options_.sealer->Unseal(AsBytes(keys.sealed_platform_key()));
  if (!key.ok())
    return key.status().Annotate(
        "cannot unseal the platform data key of store '" + options_.path +
        "': it was sealed on another platform or for another measurement; open it where it was made, or "
        "restore that platform's state (the token's platform directory); nothing was changed");
  if (key->size() != kDataKeySize)
    return Status(Code::kCorrupt, "platform data key of store '" + options_.path + "' is " +
                                      std::to_string(key->size()) + " bytes, expected 32");
  platform_key_ = std::move(key).value();
  return Status::Ok();
}

Status KeyedStore::CheckRollbackLocked(const cf_pkcs11::StoreKeys& keys) {
  return CheckRollback(keys, /*log_refusal=*/true);
}

Status KeyedStore::CheckRollbackOnReadLocked(const cf_pkcs11::StoreKeys& keys) {
  CF_ASSIGN_OR_RETURN(std::optional<uint64_t> counter, ReadCounter());
  Status first = CheckEpoch(keys, counter, /*log_refusal=*/false, /*repair_counter=*/true);
  if (first.code() != Code::kRolledBack) return first;
  // `counter` was read after `keys`, so a writer may have committed and published in between. The counter only
  // follows a committed epoch, so the record read now is at least as new as `counter` unless the store was rolled
  // back. Compared with that same `counter`, not a fresh one: under a stream of writers a fresh read can be ahead
  // again however often it is retried.
  // A record ahead of that counter is a writer between its commit and its publish, not an interrupted write: no
  // repair here.
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StoreKeys again, ReadKeysLocked());
  return CheckEpoch(again, counter, /*log_refusal=*/true, /*repair_counter=*/false);
}

Result<std::optional<uint64_t>> KeyedStore::ReadCounter() {
  if (options_.counter == nullptr) return std::optional<uint64_t>();
  return options_.counter->Read();
}

Status KeyedStore::CheckRollback(const cf_pkcs11::StoreKeys& keys, bool log_refusal) {
  CF_ASSIGN_OR_RETURN(std::optional<uint64_t> counter, ReadCounter());
  return CheckEpoch(keys, counter, log_refusal, /*repair_counter=*/true);
}

Status KeyedStore::CheckEpoch(const cf_pkcs11::StoreKeys& keys, std::optional<uint64_t> counter, bool log_refusal,
                              bool repair_counter) {
  CF_ASSIGN_OR_RETURN(uint64_t epoch, VerifiedEpoch(platform_key_, keys, options_.path));
  if (!counter.has_value()) {
    // Once per process, not per store: the platform is the same for all of them.
    static std::atomic<bool> said{false};
    if (!said.exchange(true))
      log::Info(
          "this platform has no monotonic counter: a restored older copy of a token's store (rollback) "
          "cannot be detected here (store '" +
          options_.path + "')");
    return Status::Ok();
  }
  if (epoch < *counter) {
    Status refused = RolledBackError(options_.path, epoch, *counter);
    if (log_refusal) log::Error(refused.ToString());
    return refused;
  }
  if (epoch > *counter && repair_counter && !options_.read_only) {
    // The store's write became durable and the process died before the counter's: finish it now.
    log::Info("store '" + options_.path + "': platform counter " + std::to_string(*counter) +
              " is behind store epoch " + std::to_string(epoch) + " (a write was interrupted); advancing it");
    CF_RETURN_IF_ERROR(options_.counter->AdvanceTo(epoch).Annotate("advancing the platform counter"));
  }
  return Status::Ok();
}

Status KeyedStore::NextEpochLocked(cf_pkcs11::StoreKeys& keys, bool bump,
                                   const std::function<Status(cf_pkcs11::StoreKeys&)>& change) {
  CF_RETURN_IF_ERROR(CheckRollbackLocked(keys));
  if (change) CF_RETURN_IF_ERROR(change(keys));
  uint64_t epoch = keys.epoch() + (bump ? 1 : 0);
  CF_RETURN_IF_ERROR(SealEpoch(platform_key_, epoch, keys));
  if (bump) unpublished_epoch_ = std::max(unpublished_epoch_, epoch);
  return Status::Ok();
}

Status KeyedStore::PublishEpochLocked() {
  uint64_t epoch = unpublished_epoch_;
  unpublished_epoch_ = 0;
  if (epoch == 0 || options_.counter == nullptr) return Status::Ok();
  Status s = options_.counter->AdvanceTo(epoch);
  if (s.ok()) return s;
  return s.Annotate("store '" + options_.path + "' is written (epoch " + std::to_string(epoch) +
                    ") but the platform counter could not follow; the next open retries");
}

Status KeyedStore::MutateKeysEpochLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn, bool bump) {
  unpublished_epoch_ = 0;  // a retried or failed earlier write has nothing to publish
  CF_RETURN_IF_ERROR(MutateKeysLocked([&](cf_pkcs11::StoreKeys& k) -> Status { return NextEpochLocked(k, bump, fn); }));
  return PublishEpochLocked();
}

Result<ByteView> KeyedStore::TierKey(Tier tier) const {
  if (tier == Tier::kPlatform) return ByteView(platform_key_);
  if (!user_key_.has_value())
    return Status(Code::kFailedPrecondition,
                  "user-tier entries of store '" + options_.path + "' need the user data key: log in first");
  return ByteView(*user_key_);
}

Result<cf_pkcs11::StorePinWrap> KeyedStore::MakeWrap(const SecureString& pin, ByteView user_key) {
  if (pin.empty()) return Status(Code::kInvalidArgument, "PIN is empty; choose a non-empty PIN");
  uint32_t iterations = options_.pin_kdf_iterations == 0 ? 1 : options_.pin_kdf_iterations;
  CF_ASSIGN_OR_RETURN(Bytes salt, RandomBytes(16));
  CF_ASSIGN_OR_RETURN(SecureBytes kek, DeriveKey(pin, salt, iterations));
  CF_ASSIGN_OR_RETURN(Bytes wrapped, aead::Seal(kek, user_key, AsBytes(kWrapAad)));
  CF_ASSIGN_OR_RETURN(Bytes sealed, options_.sealer->Seal(wrapped));
  cf_pkcs11::StorePinWrap wrap;
  wrap.set_salt(AsString(salt));
  wrap.set_iterations(iterations);
  wrap.set_sealed_wrapped_key(AsString(sealed));
  wrap.set_failed_attempts(0);
  return wrap;
}

Result<SecureBytes> KeyedStore::CheckPinLocked(Role role, const SecureString& pin) {
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StoreKeys keys, ReadKeysLocked());
  // Before the PIN, the rollback check: a restored copy must not give back spent attempts (even read-only).
  CF_RETURN_IF_ERROR(CheckRollbackOnReadLocked(keys));
  if (!HasWrap(keys, role))
    return Status(Code::kFailedPrecondition, std::string("no ") + RoleName(role) + " PIN is set in store '" +
                                                 options_.path + "'; initialise it first");
  const uint32_t limit = options_.max_failed_logins;
  auto locked_status = [&](uint32_t failed) {
    return Status(Code::kLocked, std::string(RoleName(role)) + " PIN of store '" + options_.path +
                                     "' is locked after " + std::to_string(failed) + " wrong attempts" +
                                     (role == Role::kUser ? "; the security officer can reset it" : ""));
  };
  cf_pkcs11::StorePinWrap wrap = ReadWrap(keys, role);
  if (options_.read_only) {
    if (limit > 0 && wrap.failed_attempts() >= limit) return locked_status(wrap.failed_attempts());
  } else {
    // Count first, durably — in the store and in the platform counter — before the PIN is tried: a process
    // killed between count and check must not have had a free guess, nor may a restored copy give one back.
    auto count_attempt = [&]() {
      return MutateKeysEpochLocked(
          [&](cf_pkcs11::StoreKeys& k) -> Status {
            if (!HasWrap(k, role)) return Status(Code::kFailedPrecondition, "PIN removed by another process");
            cf_pkcs11::StorePinWrap* w = WrapOf(k, role);
            if (limit > 0 && w->failed_attempts() >= limit) return locked_status(w->failed_attempts());
            w->set_failed_attempts(w->failed_attempts() + 1);
            wrap = *w;
            return Status::Ok();
          },
          /*bump=*/true);
    };
    const auto give_up = std::chrono::steady_clock::now() + kInFlightAttemptsWait;
    Status counted = count_attempt();
    while (counted.code() == Code::kLocked && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(kInFlightAttemptsPoll);
      counted = count_attempt();
    }
    CF_RETURN_IF_ERROR(counted);
  }
  CF_ASSIGN_OR_RETURN(SecureBytes wrapped, options_.sealer->Unseal(AsBytes(wrap.sealed_wrapped_key())));
  CF_ASSIGN_OR_RETURN(SecureBytes kek, DeriveKey(pin, AsBytes(wrap.salt()), wrap.iterations()));
  auto user_key = aead::Open(kek, wrapped, AsBytes(kWrapAad));
  if (!user_key.ok()) {
    uint32_t used = wrap.failed_attempts();
    return Status(Code::kUnauthenticated, std::string("wrong ") + RoleName(role) + " PIN for store '" + options_.path +
                                              "' (" + std::to_string(used) + " of " + std::to_string(limit) +
                                              " attempts used)");
  }
  if (!options_.read_only) {
    // The reset keeps the epoch the count raised: the only other record with that epoch is the counted one, which
    // is no better for a guesser, so restoring it gains nothing — and a login pays one counter write, not two.
    CF_RETURN_IF_ERROR(MutateKeysEpochLocked(
        [&](cf_pkcs11::StoreKeys& k) -> Status {
          if (HasWrap(k, role)) WrapOf(k, role)->set_failed_attempts(0);
          return Status::Ok();
        },
        /*bump=*/false));
  }
  return std::move(user_key).value();
}

Status KeyedStore::Login(Role role, const SecureString& pin) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_ASSIGN_OR_RETURN(SecureBytes key, CheckPinLocked(role, pin));
  user_key_ = std::move(key);
  so_logged_in_ = role == Role::kSecurityOfficer;
  return Status::Ok();
}

void KeyedStore::Logout() {
  std::lock_guard<std::mutex> lock(mu_);
  user_key_.reset();  // SecureBytes wipes on free
  so_logged_in_ = false;
}

bool KeyedStore::user_key_open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return user_key_.has_value();
}

Result<PinState> KeyedStore::GetPinState(Role role) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StoreKeys keys, ReadKeysLocked());
  PinState state;
  if (!HasWrap(keys, role)) return state;
  state.initialized = true;
  state.failed_attempts = ReadWrap(keys, role).failed_attempts();
  state.locked = options_.max_failed_logins > 0 && state.failed_attempts >= options_.max_failed_logins;
  return state;
}

Status KeyedStore::SetSoPin(const SecureString& so_pin) {
  std::lock_guard<std::mutex> lock(mu_);
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StoreKeys keys, ReadKeysLocked());
  if (keys.has_so() && !so_logged_in_)
    return Status(Code::kFailedPrecondition,
                  "store '" + options_.path + "' already has a security officer PIN: log in as SO to change it");
  SecureBytes user_key;
  if (user_key_.has_value()) {
    user_key = *user_key_;
  } else {
    CF_ASSIGN_OR_RETURN(user_key, RandomSecret(kDataKeySize));
  }
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StorePinWrap wrap, MakeWrap(so_pin, user_key));
  bool fresh_key = !user_key_.has_value();
  CF_RETURN_IF_ERROR(MutateKeysEpochLocked(
      [&](cf_pkcs11::StoreKeys& k) -> Status {
        if (k.has_so() && !so_logged_in_)
          return Status(Code::kFailedPrecondition, "another process set the SO PIN of '" + options_.path + "' first");
        if (fresh_key) k.clear_user();  // a new user data key makes any old user wrap meaningless
        *k.mutable_so() = wrap;
        return Status::Ok();
      },
      /*bump=*/true));
  user_key_ = std::move(user_key);
  so_logged_in_ = true;
  return Status::Ok();
}

Status KeyedStore::InitUserPin(const SecureString& user_pin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!so_logged_in_ || !user_key_.has_value())
    return Status(Code::kFailedPrecondition,
                  "setting the user PIN of store '" + options_.path + "' needs a security officer login");
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StorePinWrap wrap, MakeWrap(user_pin, *user_key_));
  return MutateKeysEpochLocked(
      [&](cf_pkcs11::StoreKeys& k) -> Status {
        *k.mutable_user() = wrap;
        return Status::Ok();
      },
      /*bump=*/true);
}

Status KeyedStore::ChangePin(Role role, const SecureString& old_pin, const SecureString& new_pin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (new_pin.empty()) return Status(Code::kInvalidArgument, "new PIN is empty; choose a non-empty PIN");
  CF_ASSIGN_OR_RETURN(SecureBytes key, CheckPinLocked(role, old_pin));
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StorePinWrap wrap, MakeWrap(new_pin, key));
  return MutateKeysEpochLocked(
      [&](cf_pkcs11::StoreKeys& k) -> Status {
        *WrapOf(k, role) = wrap;
        return Status::Ok();
      },
      /*bump=*/true);
}

// Wipe (everything) and RemoveTokenEntries (C_InitToken: the token's entries and the user PIN) share the rules:
// an SO login when an SO PIN is set, one atomic write that raises the epoch, and the counter published before the
// call returns, so destroyed keys stay destroyed.
Status KeyedStore::ClearLocked(bool everything) {
  const char* what = everything ? "wipe" : "re-initialise";
  CF_ASSIGN_OR_RETURN(cf_pkcs11::StoreKeys keys, ReadKeysLocked());
  if (keys.has_so() && !so_logged_in_)
    return Status(Code::kFailedPrecondition, std::string(everything ? "wiping" : "re-initialising") + " store '" +
                                                 options_.path + "' needs a security officer login");
  unpublished_epoch_ = 0;
  CF_RETURN_IF_ERROR(WipeLocked(/*token_entries_only=*/!everything, [&](cf_pkcs11::StoreKeys& k) -> Status {
    return NextEpochLocked(k, /*bump=*/true, [&](cf_pkcs11::StoreKeys& c) -> Status {
      if (c.has_so() && !so_logged_in_)
        return Status(Code::kFailedPrecondition, "another process set the SO PIN of '" + options_.path +
                                                     "' first; log in as SO to " + what + " it");
      if (everything) c.clear_so();
      c.clear_user();  // RemoveTokenEntries: the user data key stays wrapped under the SO PIN
      return Status::Ok();
    });
  }));
  return PublishEpochLocked();
}

Status KeyedStore::Wipe() {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ClearLocked(/*everything=*/true));
  user_key_.reset();
  so_logged_in_ = false;
  log::Info("store '" + options_.path + "' wiped: entries, PINs and the user data key removed");
  return Status::Ok();
}

Status KeyedStore::RemoveTokenEntries() {
  std::lock_guard<std::mutex> lock(mu_);
  CF_RETURN_IF_ERROR(ClearLocked(/*everything=*/false));
  log::Info("store '" + options_.path +
            "' re-initialised: the token's objects and the user PIN removed, the "
            "tools' entries kept");
  return Status::Ok();
}

}  // namespace cf::store
