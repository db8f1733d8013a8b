// Module: slots from the configuration, session table, session objects; the last session closed on a token logs
// it out (PKCS#11 3.0 section 5.6, C_CloseSession).
#include "pkcs11/model/module.h"

#include <atomic>

#include "common/log.h"

namespace cf::p11 {
namespace {

std::atomic<uint64_t> g_module_serial{0};

// The session a thread looked up last. Threads call into their own session again and again (a signing loop, a
// server worker), and the module-wide mutex FindSession would otherwise take was passed between two signing
// threads twice per signature (issue 7, 2-thread speedup). At thread exit its destructor only drops a weak
// reference (heap bookkeeping, nothing of OpenSSL or of the module runs then).
struct LastSession {
  uint64_t module_serial = 0;
  CK_SESSION_HANDLE handle = 0;
  std::weak_ptr<Session> session;
};
thread_local LastSession t_last_session;

}  // namespace

Module::Module() : serial_(g_module_serial.fetch_add(1, std::memory_order_relaxed) + 1) {}

Result<std::unique_ptr<Module>> Module::Create(const LoadedConfig& config) {
  std::unique_ptr<Module> m(new Module());
  if (config.config.has_log_level()) {
    log::Level level;
    if (log::ParseLevel(config.config.log_level(), &level)) log::SetLevel(level);
  }
  for (int i = 0; i < config.config.tokens_size(); ++i) {
    const auto& tc = config.config.tokens(i);
    if (tc.certification() == cf_pkcs11::CERTIFICATION_OFF)
      log::Info("cf-pkcs11: token " + tc.directory() + ": certification is off (configuration " + config.source + ")");
    m->tokens_.push_back(Token::Open(static_cast<CK_SLOT_ID>(i), tc));
  }
  return m;
}

Result<Token*> Module::FindToken(CK_SLOT_ID slot_id) const {
  if (slot_id >= tokens_.size()) return Rv(CKR_SLOT_ID_INVALID, "no slot " + std::to_string(slot_id));
  return tokens_[slot_id].get();
}

Result<CK_SESSION_HANDLE> Module::OpenSession(CK_SLOT_ID slot_id, CK_FLAGS flags) {
  CF_ASSIGN_OR_RETURN(Token * token, FindToken(slot_id));
  if (!token->present()) return Rv(CKR_TOKEN_NOT_PRESENT, "slot " + std::to_string(slot_id) + " has no token");
  bool rw = (flags & CKF_RW_SESSION) != 0;
  if (!rw && token->login_state() == LoginState::kSecurityOfficer)
    return Rv(CKR_SESSION_READ_WRITE_SO_EXISTS, "the SO is logged in: only read-write sessions may be opened");
  std::lock_guard<std::mutex> lock(mu_);
  CK_SESSION_HANDLE h = next_session_++;
  sessions_[h] = std::make_shared<Session>(h, token, rw);
  return h;
}

void Module::DropSessionLocked(CK_SESSION_HANDLE handle) {
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return;
  CK_SLOT_ID slot = it->second->token().slot_id();
  it->second->MarkClosed();
  sessions_.erase(it);
  for (auto o = session_objects_.begin(); o != session_objects_.end();) {
    o = o->second.first->session == handle ? session_objects_.erase(o) : std::next(o);
  }
  bool last = true;
  for (const auto& [h, s] : sessions_) last = last && s->token().slot_id() != slot;
  if (last && tokens_[slot]->login_state() != LoginState::kPublic) (void)tokens_[slot]->Logout();
}

Status Module::CloseSession(CK_SESSION_HANDLE handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!sessions_.count(handle)) return Rv(CKR_SESSION_HANDLE_INVALID, "no session " + std::to_string(handle));
  DropSessionLocked(handle);
  return Status::Ok();
}

Status Module::CloseAllSessions(CK_SLOT_ID slot_id) {
  CF_ASSIGN_OR_RETURN(Token * token, FindToken(slot_id));
  (void)token;
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CK_SESSION_HANDLE> doomed;
  for (const auto& [h, s] : sessions_)
    if (s->token().slot_id() == slot_id) doomed.push_back(h);
  for (CK_SESSION_HANDLE h : doomed) DropSessionLocked(h);
  return Status::Ok();
}

std::shared_ptr<Session> Module::FindSession(CK_SESSION_HANDLE handle) const {
  LastSession& last = t_last_session;
  if (last.module_serial == serial_ && last.handle == handle) {
    // Handles are never reused within a module instance, and a closed session is marked before it leaves the
    // table: a live, unmarked remembered session is the one the table would return.
    if (std::shared_ptr<Session> s = last.session.lock(); s && !s->closed()) return s;
  }
  std::shared_ptr<Session> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(handle);
    if (it != sessions_.end()) found = it->second;
  }
  if (found) last = {serial_, handle, found};
  return found;
}

size_t Module::SessionCount(CK_SLOT_ID slot_id, bool read_only_only) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [h, s] : sessions_)
    if (s->token().slot_id() == slot_id && (!read_only_only || !s->rw())) ++n;
  return n;
}

ObjectPtr Module::AddSessionObject(std::shared_ptr<Object> object, CK_SESSION_HANDLE owner) {
  std::lock_guard<std::mutex> lock(mu_);
  object->handle = next_object_++;
  object->session = owner;
  object->token = false;
  CK_SLOT_ID slot = sessions_.count(owner) ? sessions_[owner]->token().slot_id() : 0;
  ObjectPtr ptr = std::move(object);
  session_objects_[ptr->handle] = {ptr, slot};
  return ptr;
}

ObjectPtr Module::ReplaceSessionObject(std::shared_ptr<Object> object) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = session_objects_.find(object->handle);
  if (it == session_objects_.end()) return nullptr;
  it->second.first = std::move(object);
  return it->second.first;
}

ObjectPtr Module::FindSessionObject(CK_OBJECT_HANDLE handle) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = session_objects_.find(handle);
  return it == session_objects_.end() ? nullptr : it->second.first;
}

void Module::RemoveSessionObject(CK_OBJECT_HANDLE handle) {
  std::lock_guard<std::mutex> lock(mu_);
  session_objects_.erase(handle);
}

size_t Module::RemovePrivateSessionObjects(CK_SLOT_ID slot_id) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (auto o = session_objects_.begin(); o != session_objects_.end();) {
    bool doomed = o->second.second == slot_id && o->second.first->is_private();
    n += doomed ? 1 : 0;
    o = doomed ? session_objects_.erase(o) : std::next(o);
  }
  return n;
}

std::vector<ObjectPtr> Module::SessionObjects(CK_SLOT_ID slot_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ObjectPtr> out;
  for (const auto& [h, entry] : session_objects_)
    if (entry.second == slot_id) out.push_back(entry.first);
  return out;
}

// Only the table lock: a call holding a session lock may take the table lock (object creation), so taking
// session locks here would invert the order. A session busy in another thread at fork time is one the child
// cannot have been using (that thread does not exist in the child).
void Module::LockAllForFork() { mu_.lock(); }
void Module::UnlockAllAfterFork() { mu_.unlock(); }

}  // namespace cf::p11
