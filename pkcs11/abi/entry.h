// The one entry wrapper every exported function goes through (STYLE.md rule 2): nothing crosses the ABI (bad_alloc
// -> CKR_HOST_MEMORY, anything else -> CKR_GENERAL_ERROR + log), the initialised check, the fork check by pid,
// the session lookup with its lock, and the session state the function needs — read the table below.
#pragma once

#include <unistd.h>

#include <mutex>
#include <new>
#include <optional>

#include "common/log.h"
#include "common/process_id.h"
#include "pkcs11/abi/rv_map.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/model/module.h"

namespace cf::p11::abi {

// What a function needs of its session, checked before the model runs (section 5.2 session states):
//   kAny   any session of an initialised module
//   kRW    a read-write session                     else CKR_SESSION_READ_ONLY
//   kUser  the normal user logged in                else CKR_USER_NOT_LOGGED_IN
//   kRWSO  a read-write session with the SO logged in  else CKR_USER_NOT_LOGGED_IN / CKR_SESSION_READ_ONLY
// Object-dependent rules (token vs session object, CKA_PRIVATE) are the model's (object_ops.cc).
enum class Need { kAny, kRW, kUser, kRWSO };

// The heap module (null before C_Initialize / after C_Finalize) and the pid that created it.
struct Global {
  std::mutex mu;  // held by C_Initialize / C_Finalize only
  Module* module = nullptr;
  pid_t pid = 0;
  bool keep_libctx = false;  // a parent's module was abandoned here after fork: its keys keep the OpenSSL context
};
Global& G();

CK_RV Log(const char* fn, CK_RV rv, const Status& status);

template <typename F>
CK_RV Guard(const char* fn, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    log::Warning(std::string("cf-pkcs11: ") + fn + ": out of memory");
    return CKR_HOST_MEMORY;
  } catch (...) {
    log::Error(std::string("cf-pkcs11: ") + fn + ": unexpected exception (a bug); returning CKR_GENERAL_ERROR");
    return CKR_GENERAL_ERROR;
  }
}

inline CK_RV Finish(const char* fn, const Status& status) { return Log(fn, ToRv(status), status); }

// f(Module&) -> Status or CK_RV.
template <typename F>
CK_RV WithModule(const char* fn, F&& f) noexcept {
  return Guard(fn, [&]() -> CK_RV {
    Module* m = G().module;
    if (m == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    // fork: a child goes on with what it inherited; the store reopens its connection itself (store.h).
    if (pid_t pid = CurrentPid(); G().pid != pid) G().pid = pid;
    if constexpr (std::is_same_v<decltype(f(*m)), CK_RV>)
      return f(*m);
    else
      return Finish(fn, f(*m));
  });
}

// f(Module&, Session&) -> Status or CK_RV, with the session's lock held.
template <typename F>
CK_RV WithSession(const char* fn, CK_SESSION_HANDLE hSession, Need need, F&& f) noexcept {
  return WithModule(fn, [&](Module& m) -> CK_RV {
    std::shared_ptr<Session> s = m.FindSession(hSession);
    if (!s) return CKR_SESSION_HANDLE_INVALID;
    std::lock_guard<std::mutex> lock(s->mu());
    LoginState login = s->token().login_state();
    if ((need == Need::kRW || need == Need::kRWSO) && !s->rw()) return CKR_SESSION_READ_ONLY;
    if (need == Need::kUser && login != LoginState::kUser) return CKR_USER_NOT_LOGGED_IN;
    if (need == Need::kRWSO && login != LoginState::kSecurityOfficer) return CKR_USER_NOT_LOGGED_IN;
    if constexpr (std::is_same_v<decltype(f(m, *s)), CK_RV>)
      return f(m, *s);
    else
      return Finish(fn, f(m, *s));
  });
}

}  // namespace cf::p11::abi
