// Loads a module for the conformance suite and initialises its token the way an administrator would
// (C_InitToken, SO login, C_InitPIN). Everything here goes through the PKCS#11 API; only the token location is
// module specific (CF_PKCS11_TOKEN_DIR for ours, a SOFTHSM2_CONF file for SoftHSMv2).
#include "module_under_test.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <vector>

namespace cf::conformance {
namespace {

std::string ModulePath(const std::string& name) {
  if (name == kOurs) return CF_PKCS11_MODULE;
  return CF_SOFTHSM_MODULE;
}

std::string Rv(const char* what, CK_RV rv) { return std::string(what) + " returned 0x" + std::to_string(rv); }

void Padded(CK_UTF8CHAR* out, size_t n, const char* text) {
  std::memset(out, ' ', n);
  std::memcpy(out, text, std::min(n, std::strlen(text)));
}

// The environment is process wide; both variables can be set at once because each module reads only its own.
void PrepareTokenLocation(ModuleUnderTest& m) {
  std::filesystem::remove_all(m.work_dir);
  std::filesystem::create_directories(m.work_dir + "/tokens");
  if (m.IsOurs()) {
    ::unsetenv("CF_PKCS11_CONF");  // a configuration file would override the token directory
    ::setenv("CF_PKCS11_TOKEN_DIR", (m.work_dir + "/tokens").c_str(), 1);
  } else {
    std::string conf = m.work_dir + "/softhsm2.conf";
    std::ofstream(conf) << "directories.tokendir = " << m.work_dir << "/tokens\n"
                        << "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  }
}

std::string LoadFunctionLists(ModuleUnderTest& m) {
  m.handle = ::dlopen(m.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (m.handle == nullptr) return "dlopen " + m.path + ": " + ::dlerror();
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(m.handle, "C_GetFunctionList"));
  if (get_list == nullptr) return m.path + " exports no C_GetFunctionList";
  if (CK_RV rv = get_list(&m.fl); rv != CKR_OK || m.fl == nullptr) return Rv("C_GetFunctionList", rv);
  // 3.0 functions are reached through C_GetInterface (spec 3.0 section 5.2); SoftHSM 2.6 has none.
  auto get_interface = reinterpret_cast<CK_C_GetInterface>(::dlsym(m.handle, "C_GetInterface"));
  if (get_interface != nullptr) {
    CK_INTERFACE_PTR iface = nullptr;
    CK_VERSION v3 = {3, 0};
    if (get_interface(reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>("PKCS 11")), &v3, &iface, 0) == CKR_OK &&
        iface != nullptr) {
      m.fl3 = static_cast<CK_FUNCTION_LIST_3_0_PTR>(iface->pFunctionList);
    }
  }
  return "";
}

// Finds the slot holding the suite's initialised token by its label. SoftHSM gives an initialised token a new
// slot id, and may number slots differently after C_Finalize + C_Initialize, so this runs after every
// C_Initialize.
bool FindTokenSlot(ModuleUnderTest& m) {
  CK_ULONG count = 0;
  if (m.fl->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK) return false;
  std::vector<CK_SLOT_ID> slots(count);
  if (m.fl->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) return false;
  CK_UTF8CHAR label[32];
  Padded(label, sizeof(label), kTokenLabel);
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_TOKEN_INFO info{};
    if (m.fl->C_GetTokenInfo(slots[i], &info) == CKR_OK && (info.flags & CKF_TOKEN_INITIALIZED) &&
        std::memcmp(info.label, label, sizeof(label)) == 0) {
      m.slot = slots[i];
      return true;
    }
  }
  return false;
}

// C_InitToken on the first slot, then the user PIN through an SO session. SoftHSM moves an initialised token to
// a new slot id, so the slot is looked up again by label afterwards.
std::string InitToken(ModuleUnderTest& m) {
  CK_ULONG count = 0;
  if (CK_RV rv = m.fl->C_GetSlotList(CK_TRUE, nullptr, &count); rv != CKR_OK || count == 0)
    return Rv("C_GetSlotList(count)", rv) + " count " + std::to_string(count);
  std::vector<CK_SLOT_ID> slots(count);
  if (CK_RV rv = m.fl->C_GetSlotList(CK_TRUE, slots.data(), &count); rv != CKR_OK) return Rv("C_GetSlotList", rv);
  CK_UTF8CHAR label[32];
  Padded(label, sizeof(label), kTokenLabel);
  auto so_pin = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(kSoPin));
  if (CK_RV rv = m.fl->C_InitToken(slots[0], so_pin, std::strlen(kSoPin), label); rv != CKR_OK)
    return Rv("C_InitToken", rv);
  if (!FindTokenSlot(m)) return "no slot shows the token labelled '" + std::string(kTokenLabel) + "' after C_InitToken";
  CK_SESSION_HANDLE s = 0;
  if (CK_RV rv = m.fl->C_OpenSession(m.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s); rv != CKR_OK)
    return Rv("C_OpenSession", rv);
  if (CK_RV rv = m.fl->C_Login(s, CKU_SO, so_pin, std::strlen(kSoPin)); rv != CKR_OK) return Rv("C_Login(SO)", rv);
  auto user_pin = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(kUserPin));
  if (CK_RV rv = m.fl->C_InitPIN(s, user_pin, std::strlen(kUserPin)); rv != CKR_OK) return Rv("C_InitPIN", rv);
  m.fl->C_Logout(s);
  m.fl->C_CloseSession(s);
  return "";
}

}  // namespace

CK_RV ModuleUnderTest::EnsureInitialized() {
  if (initialized) return CKR_OK;
  // Section 5.4: with no arguments a module may assume the application never calls it from two threads at
  // once (SoftHSM then does not lock). The suite has a threaded test, so it asks for OS locking.
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = fl->C_Initialize(&args);
  if (rv == CKR_OK) initialized = true;
  if (rv == CKR_OK && token_ready && !FindTokenSlot(*this)) return CKR_SLOT_ID_INVALID;
  return rv;
}

CK_RV ModuleUnderTest::Finalize() {
  if (!initialized) return CKR_OK;
  initialized = false;
  return fl->C_Finalize(nullptr);
}

ModuleUnderTest& GetModule(const std::string& name) {
  // Heap objects never destroyed: a module's own exit handlers may still use what they point to.
  static auto* modules = new std::map<std::string, std::unique_ptr<ModuleUnderTest>>();
  auto& slot = (*modules)[name];
  if (slot) return *slot;
  slot = std::make_unique<ModuleUnderTest>();
  ModuleUnderTest& m = *slot;
  m.name = name;
  m.path = ModulePath(name);
  m.work_dir = std::string(CF_CONFORMANCE_WORK_DIR) + "/" + name;
  PrepareTokenLocation(m);
  m.setup_error = LoadFunctionLists(m);
  if (!m.setup_error.empty()) return m;
  if (CK_RV rv = m.EnsureInitialized(); rv != CKR_OK) {
    m.setup_error = Rv("C_Initialize", rv);
    return m;
  }
  m.setup_error = InitToken(m);
  m.token_ready = m.setup_error.empty();
  return m;
}

}  // namespace cf::conformance
