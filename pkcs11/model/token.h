// Token: one configured store seen as a PKCS#11 token — token info, PINs and the process's login state, and its
// token objects (through the cache). Sessions and session objects belong to the Module. Lock order: Module
// mutex -> Token mutex; the Token never calls back into the Module.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/registry.h"
#include "pkcs11/model/admission.h"
#include "pkcs11/model/object_cache.h"
#include "proto/cf_pkcs11.pb.h"
#include "tokendir/token_storage.h"

namespace cf::p11 {

enum class LoginState { kPublic, kUser, kSecurityOfficer };

class Token {
 public:
  // Opens the store; a token whose store cannot be opened is kept as a slot without a token (logged).
  static std::unique_ptr<Token> Open(CK_SLOT_ID slot_id, const cf_pkcs11::TokenConfig& config);

  CK_SLOT_ID slot_id() const { return slot_id_; }
  bool present() const { return storage_.store != nullptr; }
  void FillSlotInfo(CK_SLOT_INFO* info) const;
  Status FillTokenInfo(CK_TOKEN_INFO* info);

  // The CK_MECHANISM_INFO flags this token offers for a row: the row's, less its padding-oracle flags unless the
  // configuration allows them (C_GetMechanismInfo).
  CK_FLAGS MechanismFlags(const MechanismRow& row) const;
  // CKR_MECHANISM_INVALID unless the token offers `use` (a CKF_ flag) for the row; a use the configuration turned
  // off is refused with a warning that says how to turn it on.
  Status CheckMechanism(const MechanismRow& row, CK_FLAGS use) const;

  LoginState login_state() const;
  // C_InitToken (the Module has checked that no session is open). label: 32 bytes blank padded.
  Status InitToken(const SecureString& so_pin, const std::string& label);
  Status InitPin(const SecureString& pin);  // caller is SO
  Status SetPin(LoginState as, const SecureString& old_pin, const SecureString& new_pin);
  // CKU_USER / CKU_SO. ro_session_open: a read-only session exists (SO login is then refused).
  Status Login(CK_USER_TYPE user, const SecureString& pin, bool ro_session_open);
  // Checks a PIN for CKU_CONTEXT_SPECIFIC without changing the login state.
  Status VerifyUserPin(const SecureString& pin);
  Status Logout();

  // Certification while logged in (admission.h): called from C_*Init, C_UnwrapKey and C_DeriveKey. Renews the
  // admission certificate when due (bounded by the configured deadline, one thread per process, never waiting
  // for another), then refuses a key with CKA_CF_REQUIRES_ADMISSION unless a valid certificate is held.
  Status CheckKeyUse(const Object& key);

  // Token objects. Get/Candidates refresh the cache first when the store changed.
  Result<ObjectPtr> Get(CK_OBJECT_HANDLE handle);
  // As Get, but an object already in a valid cache is returned without the store's change check (a sqlite read
  // under the store mutex): C_*Init on a cached key costs no store call. Another process's change to that key is
  // seen at this process's next find, attribute read or write, not at crypto init.
  Result<ObjectPtr> GetCached(CK_OBJECT_HANDLE handle);
  Result<std::vector<ObjectCache::Hit>> Candidates(const AttributeSet& pattern);
  Result<ObjectPtr> Create(const AttributeSet& attrs);
  // Both halves of a generated key pair in one store write (Store::PutMany), so a crash cannot leave a public key
  // whose private key was never stored.
  Result<std::pair<ObjectPtr, ObjectPtr>> CreatePair(const AttributeSet& public_key, const AttributeSet& private_key);
  Result<ObjectPtr> Update(const Object& object, const AttributeSet& attrs);
  Status Destroy(const Object& object);

 private:
  Token(CK_SLOT_ID slot_id, cf_pkcs11::TokenConfig config)
      : slot_id_(slot_id), config_(std::move(config)), admission_(config_) {}
  Status NeedStore() const;
  Status MapPinStatus(const Status& s, const char* who) const;

  const CK_SLOT_ID slot_id_;
  const cf_pkcs11::TokenConfig config_;
  tokendir::TokenStorage storage_;
  std::string serial_;
  std::string open_error_;
  mutable std::mutex mu_;  // login transitions
  // Read without the lock by every C_ call's entry check (two per signature): an atomic, so threads signing in
  // parallel do not pass a mutex back and forth (issue 7, 2-thread speedup).
  std::atomic<LoginState> login_{LoginState::kPublic};
  ObjectCache cache_;
  Admission admission_;
};

}  // namespace cf::p11
