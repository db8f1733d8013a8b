// Session: one PKCS#11 session — its slot, read-only or read-write, the operations in progress (at most one per
// kind, PKCS#11 3.0 section 5.2) and the find state. Its own mutex guards all of that; the entry wrapper holds it
// for the duration of one call, so crypto runs outside the module lock.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/operation.h"
#include "pkcs11/model/object.h"
#include "pkcs11/model/token.h"

namespace cf::p11 {

struct ActiveOperation {
  std::unique_ptr<Operation> op;
  ObjectPtr key;                       // null for digests
  std::optional<SecureBytes> pending;  // computed but not yet delivered (short buffer): the next call gets it
  bool needs_context_login = false;    // CKA_ALWAYS_AUTHENTICATE key: C_Login(CKU_CONTEXT_SPECIFIC) first
};

// C_UnwrapKey and C_DeriveKey are single calls: there is no *Init after which to log in. The first use of a
// CKA_ALWAYS_AUTHENTICATE key is refused and leaves this gate; C_Login(CKU_CONTEXT_SPECIFIC) opens it; the repeat
// of a use of that same key passes it and closes it (crypto_ops.cc, PassContextGate).
struct ContextGate {
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  bool open = false;
};

class Session {
 public:
  Session(CK_SESSION_HANDLE handle, Token* token, bool rw) : handle_(handle), token_(token), rw_(rw) {}
  CK_SESSION_HANDLE handle() const { return handle_; }
  Token& token() const { return *token_; }
  bool rw() const { return rw_; }
  // CKS_* from the token's login state and this session's kind (section 5.2, table 8).
  CK_STATE State() const;
  // Who is logged in to the session's token: the user sees private objects (section 4.4); the SO makes objects
  // under other rules (ApplyTemplate).
  bool UserLoggedIn() const { return token_->login_state() == LoginState::kUser; }
  bool SoLoggedIn() const { return token_->login_state() == LoginState::kSecurityOfficer; }

  std::mutex& mu() { return mu_; }
  // Set (under the module mutex) when the session leaves the module's table: a thread's remembered session
  // (Module::FindSession) is then no longer returned.
  void MarkClosed() { closed_.store(true, std::memory_order_release); }
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  std::optional<ActiveOperation>& op(OpKind kind) { return ops_[static_cast<size_t>(kind)]; }
  void EndAllOperations();

  std::optional<ContextGate> context_gate;
  bool find_active = false;
  std::vector<CK_OBJECT_HANDLE> find_results;
  size_t find_position = 0;

 private:
  const CK_SESSION_HANDLE handle_;
  Token* const token_;
  const bool rw_;
  std::mutex mu_;
  std::atomic<bool> closed_{false};
  std::array<std::optional<ActiveOperation>, std::size(kAllOpKinds)> ops_;
};

}  // namespace cf::p11
