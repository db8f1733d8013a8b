// General-purpose functions (PKCS#11 3.0 section 5.4): C_Initialize, C_Finalize, C_GetInfo, and the legacy
// parallel-function stubs. The module lives on the heap between C_Initialize and C_Finalize only.
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cstring>

#include "common/ossl_context.h"
#include "pkcs11/abi/entry.h"
#include "pkcs11/abi/functions.h"
#include "pkcs11/model/config.h"

namespace cf::p11::abi {

Global& G() {
  static Global* g = new Global();  // never destroyed (STYLE.md rule 19)
  return *g;
}

namespace {

// Answers that refuse something the key-protection rules forbid (SECURITY.md): each is a warning, so an operator
// sees an attempt to take a key out or widen its use. Benign clients meet some of them while listing objects
// (CKR_ATTRIBUTE_SENSITIVE), so each C_Initialize warns for its first kRefusalWarnings, then only at debug level.
bool IsRefusal(CK_RV rv) {
  switch (rv) {
    case CKR_ATTRIBUTE_SENSITIVE:
    case CKR_KEY_UNEXTRACTABLE:
    case CKR_KEY_INDIGESTIBLE:
    case CKR_ACTION_PROHIBITED:
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
    case CKR_ATTRIBUTE_READ_ONLY:
    case CKR_TEMPLATE_INCONSISTENT:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_PIN_INCORRECT:
    case CKR_PIN_LOCKED:
    case CKR_MECHANISM_INVALID:  // also a mechanism the token keeps off (CKM_RSA_PKCS decryption, SECURITY.md)
      return true;
    default:
      return false;
  }
}
constexpr int kRefusalWarnings = 50;
std::atomic<int> refusals_warned{0};

}  // namespace

CK_RV Log(const char* fn, CK_RV rv, const Status& status) {
  if (rv == CKR_OK) return rv;
  if (IsRefusal(rv)) {
    int n = refusals_warned.fetch_add(1, std::memory_order_relaxed);
    if (n < kRefusalWarnings) {
      log::Warning(std::string("cf-pkcs11: refused ") + fn + " -> " + RvName(rv) + ": " + status.message() +
                   (n + 1 == kRefusalWarnings ? " (further refusals are logged with CF_PKCS11_DEBUG only)" : ""));
      return rv;
    }
  }
  if (log::Enabled(log::Level::kDebug))
    log::Debug(std::string("cf-pkcs11: ") + fn + " -> " + RvName(rv) + ": " + status.message());
  return rv;
}

namespace {

// pthread_atfork handlers only make the table lock consistent (ARCHITECTURE.md "fork"): no I/O here.
void PrepareFork() {
  G().mu.lock();
  if (G().module) G().module->LockAllForFork();
  ossl::LockForFork();
}
void AfterFork() {
  ossl::UnlockAfterFork();
  if (G().module) G().module->UnlockAllAfterFork();
  G().mu.unlock();
}

void RegisterForkHandlersOnce() {
  static bool registered = false;
  if (registered) return;
  registered = true;
  // The handlers point into this library: pin it so a dlclose cannot unmap them (checklist 7).
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&RegisterForkHandlersOnce), &info) != 0 && info.dli_fname != nullptr)
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  pthread_atfork(PrepareFork, AfterFork, AfterFork);
}

}  // namespace

// 5.4 C_Initialize. CKF_OS_LOCKING_OK and application mutex callbacks are both accepted: the module uses OS
// locks either way (the specification allows it when the application permits OS locking or supplies callbacks
// whose semantics native mutexes meet). pReserved: p11-kit's x-init-reserved (configuration path or text).
CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  return Guard("C_Initialize", [&]() -> CK_RV {
    const char* reserved = nullptr;
    if (pInitArgs != nullptr) {
      auto* args = static_cast<CK_C_INITIALIZE_ARGS*>(pInitArgs);
      int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) + (args->LockMutex != nullptr) +
                  (args->UnlockMutex != nullptr);
      if (given != 0 && given != 4) return CKR_ARGUMENTS_BAD;
      reserved = static_cast<const char*>(args->pReserved);
    }
    std::lock_guard<std::mutex> lock(G().mu);
    if (G().module != nullptr) {
      if (G().pid == getpid()) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
      // A forked child initialising again (libp11, p11-kit): start fresh. The parent's state is left, not torn
      // down: its store connections must not be closed from the child. Its keys live in the OpenSSL context, so
      // that context is kept for the rest of this process (the new module uses it too).
      G().module = nullptr;
      G().keep_libctx = true;
    }
    // Before the configuration: the private OpenSSL context every crypto call below uses (ossl_context.h).
    if (Status ctx = ossl::OpenLibCtx(); !ctx.ok()) {
      log::Error("cf-pkcs11: C_Initialize: " + ctx.ToString());
      return CKR_GENERAL_ERROR;
    }
    auto config = LoadConfig(reserved);
    if (!config.ok()) {
      log::Error("cf-pkcs11: C_Initialize: " + config.status().ToString());
      return CKR_GENERAL_ERROR;
    }
    auto module = Module::Create(*config);
    if (!module.ok()) {
      log::Error("cf-pkcs11: C_Initialize: " + module.status().ToString());
      return CKR_GENERAL_ERROR;
    }
    RegisterForkHandlersOnce();
    refusals_warned.store(0, std::memory_order_relaxed);  // the warning budget is per initialisation
    G().module = module->release();
    G().pid = getpid();
    return CKR_OK;
  });
}

// 5.4 C_Finalize.
CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  return Guard("C_Finalize", [&]() -> CK_RV {
    if (pReserved != nullptr) return CKR_ARGUMENTS_BAD;
    std::lock_guard<std::mutex> lock(G().mu);
    if (G().module == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    Module* m = G().module;
    G().module = nullptr;
    if (G().pid != getpid()) {
      G().keep_libctx = true;  // an inherited module is the parent's: leave it, and the context its keys live in
      return CKR_OK;
    }
    delete m;
    // Every key, certificate and operation made in the context went with the module: free it, and the next
    // C_Initialize opens a fresh one (no OpenSSL state outlives C_Finalize unless a parent's keys need it).
    if (!G().keep_libctx) ossl::CloseLibCtx();
    return CKR_OK;
  });
}

// 5.4 C_GetInfo.
CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  return WithModule("C_GetInfo", [&](Module&) -> CK_RV {
    if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
    std::memset(pInfo, ' ', sizeof(*pInfo));
    pInfo->cryptokiVersion = {3, 0};
    std::memcpy(pInfo->manufacturerID, "cf-pkcs11", 9);
    pInfo->flags = 0;
    std::memcpy(pInfo->libraryDescription, "cf-pkcs11 cryptstore token", 26);
    pInfo->libraryVersion = {0, 1};
    return CKR_OK;
  });
}

// 5.19 legacy parallel functions: always CKR_FUNCTION_NOT_PARALLEL per the specification.
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession) {
  return WithSession("C_GetFunctionStatus", hSession, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_PARALLEL; });
}
CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession) {
  return WithSession("C_CancelFunction", hSession, Need::kAny,
                     [&](Module&, Session&) -> CK_RV { return CKR_FUNCTION_NOT_PARALLEL; });
}

}  // namespace cf::p11::abi
