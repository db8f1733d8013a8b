// Loading a PKCS#11 module and preparing a fresh token. Fails with the CKR_ name of the call that failed so the run
// can say which step a module does not support.
#include "bench/p11bench/module.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace cf::bench {
namespace {

struct RvName {
  CK_RV rv;
  const char* name;
};

constexpr RvName kRvNames[] = {
    {CKR_OK, "CKR_OK"},
    {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
    {CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY"},
    {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
    {CKR_DATA_INVALID, "CKR_DATA_INVALID"},
    {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
    {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID"},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
    {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
    {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
    {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
    {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
    {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY"},
    {CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID"},
    {CKR_SIGNATURE_LEN_RANGE, "CKR_SIGNATURE_LEN_RANGE"},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
    {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
    {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
    {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
    {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
    {CKR_DOMAIN_PARAMS_INVALID, "CKR_DOMAIN_PARAMS_INVALID"},
    {CKR_CURVE_NOT_SUPPORTED, "CKR_CURVE_NOT_SUPPORTED"},
    {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
};

}  // namespace

std::string CkrName(CK_RV rv) {
  for (const auto& n : kRvNames) {
    if (n.rv == rv) return n.name;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "CKR_0x%lx", static_cast<unsigned long>(rv));
  return buf;
}

Status Ck(CK_RV rv, const std::string& what) {
  if (rv == CKR_OK) return Status::Ok();
  return Status(Code::kInternal, what + ": " + CkrName(rv), rv);
}

Result<std::unique_ptr<Module>> Module::Load(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return Status(Code::kNotFound, "cannot load PKCS#11 module " + path + ": " + (err ? err : "unknown") +
                                       " (build it, or pass --module with an existing path)");
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  if (get_list == nullptr) {
    dlclose(handle);
    return Status(Code::kInvalidArgument, path + " exports no C_GetFunctionList: not a PKCS#11 module");
  }
  CK_FUNCTION_LIST* f = nullptr;
  if (CK_RV rv = get_list(&f); rv != CKR_OK || f == nullptr) {
    dlclose(handle);
    return Status(Code::kInternal, "C_GetFunctionList of " + path + " failed: " + CkrName(rv));
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  if (CK_RV rv = f->C_Initialize(&args); rv != CKR_OK) {
    dlclose(handle);
    return Status(Code::kInternal, "C_Initialize of " + path + " failed: " + CkrName(rv), rv);
  }
  return std::unique_ptr<Module>(new Module(path, handle, f));
}

Module::~Module() {
  f_->C_Finalize(nullptr);
  // Not dlclose'd: some modules register exit handlers inside their own image (the lifetime trap PKCS11-NOTES
  // describes); unloading them before exit would turn those into jumps to unmapped code.
  (void)handle_;
}

Status Module::Reinitialize(const std::string& reserved) {
  f_->C_Finalize(nullptr);
  reserved_ = reserved;
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  args.pReserved = reserved_.data();
  return Ck(f_->C_Initialize(&args), "C_Initialize(with configuration)");
}

Result<CK_SLOT_ID> Module::InitToken(const std::string& label, const Pins& pins, bool reinit) {
  CK_ULONG count = 0;
  CF_RETURN_IF_ERROR(Ck(f_->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList"));
  if (count == 0) return Status(Code::kNotFound, path_ + " offers no slot with a token (check its token directory)");
  std::vector<CK_SLOT_ID> slots(count);
  CF_RETURN_IF_ERROR(Ck(f_->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList"));
  CK_TOKEN_INFO info{};
  CF_RETURN_IF_ERROR(Ck(f_->C_GetTokenInfo(slots[0], &info), "C_GetTokenInfo"));
  if ((info.flags & CKF_TOKEN_INITIALIZED) && !reinit) {
    std::string had(reinterpret_cast<const char*>(info.label), sizeof(info.label));
    had.erase(had.find_last_not_of(' ') + 1);
    return Status(Code::kFailedPrecondition,
                  "the first token of " + path_ + " is already initialised (label '" + had +
                      "'); p11bench wipes the token it uses: point the module at a scratch token directory "
                      "(SOFTHSM2_CONF, CF_PKCS11_TOKEN_DIR) or pass --reinit");
  }
  CK_UTF8CHAR padded[32];
  std::memset(padded, ' ', sizeof(padded));
  std::memcpy(padded, label.data(), std::min(label.size(), sizeof(padded)));
  auto so = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pins.so.data()));
  CF_RETURN_IF_ERROR(Ck(f_->C_InitToken(slots[0], so, pins.so.size(), padded), "C_InitToken"));
  CF_ASSIGN_OR_RETURN(CK_SLOT_ID slot, FindSlot(label));
  CF_ASSIGN_OR_RETURN(CK_SESSION_HANDLE s, OpenSession(slot));
  CF_RETURN_IF_ERROR(Login(s, CKU_SO, pins.so));
  auto user = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pins.user.data()));
  CF_RETURN_IF_ERROR(Ck(f_->C_InitPIN(s, user, pins.user.size()), "C_InitPIN"));
  CF_RETURN_IF_ERROR(Ck(f_->C_Logout(s), "C_Logout(SO)"));
  CF_RETURN_IF_ERROR(Ck(f_->C_CloseSession(s), "C_CloseSession"));
  return slot;
}

Result<CK_SLOT_ID> Module::FindSlot(const std::string& label) {
  CK_ULONG count = 0;
  CF_RETURN_IF_ERROR(Ck(f_->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList"));
  std::vector<CK_SLOT_ID> slots(count);
  CF_RETURN_IF_ERROR(Ck(f_->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList"));
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_TOKEN_INFO info{};
    if (f_->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
    std::string got(reinterpret_cast<const char*>(info.label), sizeof(info.label));
    got.erase(got.find_last_not_of(' ') + 1);
    if (got == label && (info.flags & CKF_TOKEN_INITIALIZED)) return slots[i];
  }
  return Status(Code::kNotFound, "no initialised token labelled '" + label + "' in " + path_);
}

Result<CK_SESSION_HANDLE> Module::OpenSession(CK_SLOT_ID slot) {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  CF_RETURN_IF_ERROR(
      Ck(f_->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), "C_OpenSession"));
  return s;
}

Status Module::Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, const std::string& pin) {
  auto p = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data()));
  CK_RV rv = f_->C_Login(session, user, p, pin.size());
  if (rv == CKR_USER_ALREADY_LOGGED_IN) return Status::Ok();
  return Ck(rv, user == CKU_SO ? "C_Login(SO)" : "C_Login(USER)");
}

}  // namespace cf::bench
