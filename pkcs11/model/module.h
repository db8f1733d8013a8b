// Module: the one heap instance that C_Initialize creates and only C_Finalize destroys (never a static
// destructor: other libraries' exit handlers call us after C++ statics are gone). Owns the tokens (one slot per
// configured token), the session table and the session objects. Lock order: Module::mu_ -> Token -> Session.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "pkcs11/model/config.h"
#include "pkcs11/model/session.h"
#include "pkcs11/model/token.h"

namespace cf::p11 {

class Module {
 public:
  static Result<std::unique_ptr<Module>> Create(const LoadedConfig& config);

  const std::vector<std::unique_ptr<Token>>& tokens() const { return tokens_; }
  Result<Token*> FindToken(CK_SLOT_ID slot_id) const;

  Result<CK_SESSION_HANDLE> OpenSession(CK_SLOT_ID slot_id, CK_FLAGS flags);
  Status CloseSession(CK_SESSION_HANDLE handle);
  Status CloseAllSessions(CK_SLOT_ID slot_id);
  std::shared_ptr<Session> FindSession(CK_SESSION_HANDLE handle) const;
  size_t SessionCount(CK_SLOT_ID slot_id, bool read_only_only) const;

  // Session objects (CKA_TOKEN false): live until their session closes.
  ObjectPtr AddSessionObject(std::shared_ptr<Object> object, CK_SESSION_HANDLE owner);
  ObjectPtr ReplaceSessionObject(std::shared_ptr<Object> object);
  ObjectPtr FindSessionObject(CK_OBJECT_HANDLE handle) const;
  void RemoveSessionObject(CK_OBJECT_HANDLE handle);
  // C_Logout: the application's private session objects on the token are destroyed (section 5.6) and their
  // handles, never reused, stay invalid. Returns how many went.
  size_t RemovePrivateSessionObjects(CK_SLOT_ID slot_id);
  std::vector<ObjectPtr> SessionObjects(CK_SLOT_ID slot_id) const;

  // fork: pthread_atfork makes this lock consistent; nothing else happens in the handlers.
  std::mutex& mu() { return mu_; }
  void LockAllForFork();
  void UnlockAllAfterFork();

 private:
  Module();
  void DropSessionLocked(CK_SESSION_HANDLE handle);

  const uint64_t serial_;  // distinguishes this instance from earlier ones (C_Finalize + C_Initialize)
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Token>> tokens_;
  std::map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions_;
  std::map<CK_OBJECT_HANDLE, std::pair<ObjectPtr, CK_SLOT_ID>> session_objects_;
  CK_SESSION_HANDLE next_session_ = 1;  // never reused within the process
  CK_OBJECT_HANDLE next_object_ = kSessionObjectBase;
};

}  // namespace cf::p11
