// Test fixture over the built module through its C ABI: dlopen(CF_PKCS11_MODULE), C_Initialize with a
// configuration in pReserved naming a fresh token directory (cheap PIN KDF, 3-try PIN limit), token and user PIN
// initialised. Helpers keep the tests about the behaviour they pin, not about CK_ATTRIBUTE plumbing.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

// CF_UNDER_ASAN: 1 in an AddressSanitizer build. GCC says __SANITIZE_ADDRESS__; clang 14 (scripts/test.sh's ASan
// tree) only answers __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define CF_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CF_UNDER_ASAN 1
#endif
#endif
#ifndef CF_UNDER_ASAN
#define CF_UNDER_ASAN 0
#endif

#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11::test {

inline constexpr char kSoPin[] = "12345678";
inline constexpr char kUserPin[] = "1234";

inline CK_FUNCTION_LIST* Functions() {
  static CK_FUNCTION_LIST* list = [] {
    // Load p11-kit globally first, as every p11-kit client process has: it exports C_GetFunctionList too, and
    // the module's own tables must not bind to it.
    (void)dlopen("libp11-kit.so.0", RTLD_NOW | RTLD_GLOBAL);
    void* lib = dlopen(CF_PKCS11_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return static_cast<CK_FUNCTION_LIST*>(nullptr);
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    CK_FUNCTION_LIST* l = nullptr;
    if (get == nullptr || get(&l) != CKR_OK) return static_cast<CK_FUNCTION_LIST*>(nullptr);
    return l;
  }();
  return list;
}

// An attribute whose value the template owns (bools, ulongs and byte strings alike).
struct Attr {
  CK_ATTRIBUTE_TYPE type;
  std::vector<unsigned char> value;
};
inline Attr Bool(CK_ATTRIBUTE_TYPE t, bool v) { return {t, {static_cast<unsigned char>(v ? CK_TRUE : CK_FALSE)}}; }
inline Attr Ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG v) {
  Attr a{t, std::vector<unsigned char>(sizeof(v))};
  std::memcpy(a.value.data(), &v, sizeof(v));
  return a;
}
inline Attr Str(CK_ATTRIBUTE_TYPE t, const std::string& v) { return {t, {v.begin(), v.end()}}; }
inline Attr Raw(CK_ATTRIBUTE_TYPE t, std::vector<unsigned char> v) { return {t, std::move(v)}; }

// CK_ATTRIBUTE views of a template; valid while `attrs` lives.
inline std::vector<CK_ATTRIBUTE> View(std::vector<Attr>& attrs) {
  std::vector<CK_ATTRIBUTE> out;
  for (Attr& a : attrs) out.push_back({a.type, a.value.empty() ? nullptr : a.value.data(), a.value.size()});
  return out;
}

inline std::vector<unsigned char> P256Params() { return {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}; }

// The configuration text handed to C_Initialize through pReserved (p11-kit's x-init-reserved path).
inline std::string ConfigFor(const std::string& dir) {
  return "tokens { label: \"unit\" directory: \"" + dir +
         "\" pin_kdf_iterations: 1000 max_failed_logins: 3 certification: CERTIFICATION_OFF }";
}

class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    f_ = Functions();
    ASSERT_NE(f_, nullptr) << "cannot load " << CF_PKCS11_MODULE << ": " << dlerror();
    dir_ = SharedTokenDir();
    ASSERT_FALSE(dir_.empty());
    // Entries the tools wrote survive C_InitToken (issue 12), so the store of the process's shared token directory
    // is removed (the platform stays) for every test to start empty.
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(dir_ + "/cryptstore.sqlite" + suffix);
    config_ = ConfigFor(dir_);
    ASSERT_EQ(Initialize(), CKR_OK);
    CK_ULONG n = 1;
    ASSERT_EQ(f_->C_GetSlotList(CK_TRUE, &slot_, &n), CKR_OK);
    ASSERT_EQ(n, 1u);
    CK_UTF8CHAR label[32];
    std::memset(label, ' ', sizeof(label));
    std::memcpy(label, "unit", 4);
    ASSERT_EQ(f_->C_InitToken(slot_, Pin(kSoPin), 8, label), CKR_OK);
    CK_SESSION_HANDLE s = OpenRw();
    ASSERT_EQ(f_->C_Login(s, CKU_SO, Pin(kSoPin), 8), CKR_OK);
    ASSERT_EQ(f_->C_InitPIN(s, Pin(kUserPin), 4), CKR_OK);
    ASSERT_EQ(f_->C_CloseSession(s), CKR_OK);
  }
  void TearDown() override {
    if (f_ != nullptr) f_->C_Finalize(nullptr);
  }

  // One token directory per test process: the simulated platform (two RSA keys) is made once, and C_InitToken
  // in every SetUp wipes the store, so each test still starts from an empty token.
  static std::string SharedTokenDir() {
    static std::string dir = [] {
      char tmpl[] = "/tmp/cf-p11-unit-XXXXXX";
      if (mkdtemp(tmpl) == nullptr) return std::string();
      static std::string for_exit = tmpl;
      std::atexit([] { std::filesystem::remove_all(for_exit); });
      return std::string(tmpl);
    }();
    return dir;
  }

  CK_RV Initialize() {
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    args.pReserved = const_cast<char*>(config_.c_str());
    return f_->C_Initialize(&args);
  }
  static CK_UTF8CHAR_PTR Pin(const char* pin) { return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin)); }

  CK_SESSION_HANDLE OpenRw() {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    EXPECT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), CKR_OK);
    return s;
  }
  CK_SESSION_HANDLE OpenUser() {
    CK_SESSION_HANDLE s = OpenRw();
    CK_RV rv = f_->C_Login(s, CKU_USER, Pin(kUserPin), 4);
    EXPECT_TRUE(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) << rv;
    return s;
  }

  CK_RV GenerateAes(CK_SESSION_HANDLE s, std::vector<Attr> extra, CK_OBJECT_HANDLE* key) {
    std::vector<Attr> t = {Ulong(CKA_VALUE_LEN, 32)};
    t.insert(t.end(), extra.begin(), extra.end());
    auto v = View(t);
    CK_MECHANISM m{CKM_AES_KEY_GEN, nullptr, 0};
    return f_->C_GenerateKey(s, &m, v.data(), v.size(), key);
  }
  CK_RV GenerateEc(CK_SESSION_HANDLE s, std::vector<Attr> pub_extra, std::vector<Attr> priv_extra,
                   CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
    std::vector<Attr> pt = {Raw(CKA_EC_PARAMS, P256Params())};
    pt.insert(pt.end(), pub_extra.begin(), pub_extra.end());
    auto pv = View(pt);
    auto qv = View(priv_extra);
    CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    return f_->C_GenerateKeyPair(s, &m, pv.data(), pv.size(), qv.empty() ? nullptr : qv.data(), qv.size(), pub, priv);
  }
  CK_RV Create(CK_SESSION_HANDLE s, std::vector<Attr> t, CK_OBJECT_HANDLE* h) {
    auto v = View(t);
    return f_->C_CreateObject(s, v.data(), v.size(), h);
  }
  CK_RV SetAttr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, Attr a) {
    std::vector<Attr> t = {std::move(a)};
    auto v = View(t);
    return f_->C_SetAttributeValue(s, h, v.data(), v.size());
  }
  // The attribute's bytes, or the CK_RV when it could not be read.
  CK_RV GetAttr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, std::vector<unsigned char>* out) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    CK_RV rv = f_->C_GetAttributeValue(s, h, &a, 1);
    if (rv != CKR_OK) return rv;
    out->resize(a.ulValueLen);
    a.pValue = out->data();
    return f_->C_GetAttributeValue(s, h, &a, 1);
  }
  bool GetBool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) {
    std::vector<unsigned char> v;
    EXPECT_EQ(GetAttr(s, h, type, &v), CKR_OK) << "attribute 0x" << std::hex << type;
    return v.size() == 1 && v[0] == CK_TRUE;
  }
  CK_ULONG GetUlong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) {
    std::vector<unsigned char> v;
    EXPECT_EQ(GetAttr(s, h, type, &v), CKR_OK) << "attribute 0x" << std::hex << type;
    CK_ULONG out = 0;
    if (v.size() == sizeof(out)) std::memcpy(&out, v.data(), sizeof(out));
    return out;
  }
  std::vector<CK_OBJECT_HANDLE> Find(CK_SESSION_HANDLE s, std::vector<Attr> t) {
    auto v = View(t);
    std::vector<CK_OBJECT_HANDLE> out;
    EXPECT_EQ(f_->C_FindObjectsInit(s, v.empty() ? nullptr : v.data(), v.size()), CKR_OK);
    CK_OBJECT_HANDLE buf[16];
    CK_ULONG n = 0;
    while (f_->C_FindObjects(s, buf, 16, &n) == CKR_OK && n > 0) out.insert(out.end(), buf, buf + n);
    EXPECT_EQ(f_->C_FindObjectsFinal(s), CKR_OK);
    return out;
  }
  CK_FLAGS TokenFlags() {
    CK_TOKEN_INFO info;
    EXPECT_EQ(f_->C_GetTokenInfo(slot_, &info), CKR_OK);
    return info.flags;
  }

  CK_FUNCTION_LIST* f_ = nullptr;
  CK_SLOT_ID slot_ = 0;
  std::string dir_;
  std::string config_;
};

}  // namespace cf::p11::test
