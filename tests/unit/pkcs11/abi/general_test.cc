// General-purpose functions through the C ABI: calls before C_Initialize and after C_Finalize, repeated
// initialisation, application mutex callbacks, the 3.0 interfaces, and certification modes this build lacks.
#include "p11_fixture.h"
#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11::test {
namespace {

CK_RV CreateMutexCb(CK_VOID_PTR_PTR m) {
  *m = new std::mutex();
  return CKR_OK;
}
CK_RV DestroyMutexCb(CK_VOID_PTR m) {
  delete static_cast<std::mutex*>(m);
  return CKR_OK;
}
CK_RV LockMutexCb(CK_VOID_PTR m) {
  static_cast<std::mutex*>(m)->lock();
  return CKR_OK;
}
CK_RV UnlockMutexCb(CK_VOID_PTR m) {
  static_cast<std::mutex*>(m)->unlock();
  return CKR_OK;
}

class GeneralTest : public ModuleTest {};

TEST_F(GeneralTest, CallsOutsideInitializeAreRefused) {
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  CK_INFO info;
  EXPECT_EQ(f_->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
  CK_ULONG n = 0;
  EXPECT_EQ(f_->C_GetSlotList(CK_FALSE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  ASSERT_EQ(Initialize(), CKR_OK);
  EXPECT_EQ(Initialize(), CKR_CRYPTOKI_ALREADY_INITIALIZED);
  int reserved = 0;
  EXPECT_EQ(f_->C_Finalize(&reserved), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(f_->C_GetInfo(&info), CKR_OK);
  EXPECT_EQ(info.cryptokiVersion.major, 3);
}

TEST_F(GeneralTest, ApplicationMutexCallbacksAreAcceptedAllOrNone) {
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  CK_C_INITIALIZE_ARGS args{};
  args.CreateMutex = CreateMutexCb;
  args.DestroyMutex = DestroyMutexCb;
  args.LockMutex = LockMutexCb;
  args.UnlockMutex = UnlockMutexCb;
  args.pReserved = const_cast<char*>(config_.c_str());
  EXPECT_EQ(f_->C_Initialize(&args), CKR_OK);
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE pub, priv;
  EXPECT_EQ(GenerateEc(s, {}, {}, &pub, &priv), CKR_OK);
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  args.UnlockMutex = nullptr;  // three of four: the specification calls that bad arguments
  EXPECT_EQ(f_->C_Initialize(&args), CKR_ARGUMENTS_BAD);
  args.flags = CKF_OS_LOCKING_OK;
  args.UnlockMutex = UnlockMutexCb;
  EXPECT_EQ(f_->C_Initialize(&args), CKR_OK);
}

TEST_F(GeneralTest, BadConfigurationIsAGeneralErrorNotACrash) {
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  args.pReserved = const_cast<char*>("tokens { no_such_field: 1 }");
  EXPECT_EQ(f_->C_Initialize(&args), CKR_GENERAL_ERROR);
  EXPECT_EQ(Initialize(), CKR_OK);
}

TEST_F(GeneralTest, InterfacesOffer30And240) {
  void* lib = dlopen(CF_PKCS11_MODULE, RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(lib, nullptr);
  auto get_list = reinterpret_cast<CK_C_GetInterfaceList>(dlsym(lib, "C_GetInterfaceList"));
  auto get = reinterpret_cast<CK_C_GetInterface>(dlsym(lib, "C_GetInterface"));
  ASSERT_NE(get_list, nullptr);
  ASSERT_NE(get, nullptr);
  // The table's own entry points are ours, not those of p11-kit loaded before us (fixture).
  CK_FUNCTION_LIST_PTR again = nullptr;
  ASSERT_EQ(f_->C_GetFunctionList(&again), CKR_OK);
  EXPECT_EQ(again, f_);
  CK_ULONG n = 0;
  ASSERT_EQ(get_list(nullptr, &n), CKR_OK);
  EXPECT_GE(n, 2u);
  CK_INTERFACE_PTR iface = nullptr;
  ASSERT_EQ(get(nullptr, nullptr, &iface, 0), CKR_OK);
  auto* list = static_cast<CK_FUNCTION_LIST_3_0*>(iface->pFunctionList);
  EXPECT_EQ(list->version.major, 3);
  EXPECT_NE(list->C_MessageEncryptInit, nullptr);
  CK_INTERFACE_PTR via_table = nullptr;
  ASSERT_EQ(list->C_GetInterface(nullptr, nullptr, &via_table, 0), CKR_OK);
  EXPECT_EQ(via_table->pFunctionList, iface->pFunctionList);
  CK_VERSION v2{2, 40};
  ASSERT_EQ(get(reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>("PKCS 11")), &v2, &iface, 0), CKR_OK);
  EXPECT_EQ(static_cast<CK_FUNCTION_LIST*>(iface->pFunctionList)->version.minor, 40);
  dlclose(lib);
}

// Issue 14: certification happens at C_Login; without a policy certificate it cannot, and says so with its own
// code, leaving the session not logged in (the PIN was right, so no PIN counter moves).
TEST_F(GeneralTest, RequiredCertificationWithoutAPolicyCertificateFailsLoginWithItsOwnCode) {
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  std::string normal = config_;
  config_ = "tokens { label: \"unit\" directory: \"" + dir_ +
            "\" pin_kdf_iterations: 1000 certification: CERTIFICATION_REQUIRED }";
  ASSERT_EQ(Initialize(), CKR_OK);
  CK_SESSION_HANDLE s = OpenRw();
  CK_RV rv = f_->C_Login(s, CKU_USER, Pin(kUserPin), 4);
  CK_RV logout = f_->C_Logout(s);
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  config_ = normal;
  ASSERT_EQ(Initialize(), CKR_OK);
  EXPECT_EQ(rv, CKR_CF_POLICY_CERT_UNUSABLE);
  EXPECT_EQ(logout, CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(TokenFlags() & CKF_USER_PIN_COUNT_LOW, 0u);
}

}  // namespace
}  // namespace cf::p11::test
