// A PKCS#11 module loaded by path for benchmarking: dlopen, C_GetFunctionList, C_Initialize, and the token set-up
// every run needs (C_InitToken + C_InitPIN on a fresh token, sessions, login). Knows nothing about what is measured.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::bench {

// "CKR_MECHANISM_INVALID" for the values a benchmark meets; "CKR_0x..." otherwise.
std::string CkrName(CK_RV rv);
// OK for CKR_OK; otherwise a Status whose detail() is rv and whose message reads "what: CKR_NAME".
Status Ck(CK_RV rv, const std::string& what);

struct Pins {
  std::string so = "87654321";
  std::string user = "12345678";
};

class Module {
 public:
  // Loads and initialises (CKF_OS_LOCKING_OK: the module may use threads). The module is finalised and unloaded by
  // the destructor.
  static Result<std::unique_ptr<Module>> Load(const std::string& path);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST* f() const { return f_; }
  // C_Finalize, then C_Initialize with `reserved` as pReserved (our module reads its configuration text there, as
  // p11-kit's x-init-reserved passes it). Sessions and handles of the previous initialisation are gone.
  Status Reinitialize(const std::string& reserved);
  const std::string& path() const { return path_; }

  // Initialises the token of the first slot under label, sets the user PIN, and returns the slot the token then
  // lives in (SoftHSMv2 moves an initialised token to a new slot id). A token that is already initialised is wiped
  // only when reinit is set, so a mistaken environment cannot destroy someone's real token.
  Result<CK_SLOT_ID> InitToken(const std::string& label, const Pins& pins, bool reinit);
  // The slot whose token carries label.
  Result<CK_SLOT_ID> FindSlot(const std::string& label);
  // A read-write session.
  Result<CK_SESSION_HANDLE> OpenSession(CK_SLOT_ID slot);
  // C_Login; CKR_USER_ALREADY_LOGGED_IN counts as success (login state is per application, not per session).
  Status Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, const std::string& pin);

 private:
  Module(std::string path, void* handle, CK_FUNCTION_LIST* f) : path_(std::move(path)), handle_(handle), f_(f) {}
  std::string path_;
  std::string reserved_;  // pReserved of the current initialisation: must outlive it
  void* handle_;
  CK_FUNCTION_LIST* f_;
};

}  // namespace cf::bench
