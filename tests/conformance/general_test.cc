// General-purpose functions (PKCS#11 3.0 section 5.4): C_Initialize/C_Finalize life cycle, C_GetInfo,
// C_GetFunctionList, C_GetInterfaceList/C_GetInterface, and the legacy parallel functions (section 5.20).
#include <cstring>
#include <vector>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class GeneralTest : public P11Test {};

bool BlankPaddedText(const CK_UTF8CHAR* text, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (text[i] == 0) return false;  // section 3.1: character fields are blank padded, never NUL terminated
  return true;
}

TEST_P(GeneralTest, GetInfoReportsVersionAndBlankPaddedStrings) {
  CK_INFO info{};
  ASSERT_EQ(f_->C_GetInfo(&info), CKR_OK);
  EXPECT_GE(info.cryptokiVersion.major, 2);
  EXPECT_TRUE(BlankPaddedText(info.manufacturerID, sizeof(info.manufacturerID)));
  EXPECT_TRUE(BlankPaddedText(info.libraryDescription, sizeof(info.libraryDescription)));
  EXPECT_EQ(info.flags, 0u);  // section 3.1: no CK_INFO flags are defined
  EXPECT_EQ(f_->C_GetInfo(nullptr), CKR_ARGUMENTS_BAD);
}

TEST_P(GeneralTest, GetFunctionListRejectsNullAndReturnsTheSameList) {
  EXPECT_EQ(f_->C_GetFunctionList(nullptr), CKR_ARGUMENTS_BAD);
  CK_FUNCTION_LIST_PTR again = nullptr;
  ASSERT_EQ(f_->C_GetFunctionList(&again), CKR_OK);
  EXPECT_EQ(again, f_);
  EXPECT_EQ(again->version.major, 2);
  EXPECT_EQ(again->version.minor, 40);
}

TEST_P(GeneralTest, EveryFunctionListEntryIsPopulated) {
  // Section 5.2 (and 3.0 section 5.1): a module puts a function in every slot; unsupported ones return
  // CKR_FUNCTION_NOT_SUPPORTED rather than leave a null pointer the application would call.
  constexpr size_t kEntries = (sizeof(CK_FUNCTION_LIST) - sizeof(CK_VERSION)) / sizeof(void*);
  ASSERT_EQ(kEntries, 68u);
  std::vector<void*> entries(kEntries);
  std::memcpy(entries.data(), reinterpret_cast<const char*>(f_) + offsetof(CK_FUNCTION_LIST, C_Initialize),
              kEntries * sizeof(void*));
  for (size_t i = 0; i < kEntries; ++i) EXPECT_NE(entries[i], nullptr) << "2.40 function list entry " << i;
  if (m_->fl3 == nullptr) return;
  constexpr size_t kEntries3 = (sizeof(CK_FUNCTION_LIST_3_0) - sizeof(CK_VERSION)) / sizeof(void*);
  ASSERT_EQ(kEntries3, 92u);
  std::vector<void*> entries3(kEntries3);
  std::memcpy(entries3.data(), reinterpret_cast<const char*>(m_->fl3) + offsetof(CK_FUNCTION_LIST_3_0, C_Initialize),
              kEntries3 * sizeof(void*));
  for (size_t i = 0; i < kEntries3; ++i) EXPECT_NE(entries3[i], nullptr) << "3.0 function list entry " << i;
}

TEST_P(GeneralTest, InterfaceListOffersThreeZeroAndTwoForty) {
  if (m_->fl3 == nullptr) GTEST_SKIP() << m_->name << " offers no PKCS#11 3.0 interface (SoftHSM 2.6 is 2.40 only)";
  CK_ULONG count = 0;
  ASSERT_EQ(m_->fl3->C_GetInterfaceList(nullptr, &count), CKR_OK);
  ASSERT_GE(count, 2u);
  std::vector<CK_INTERFACE> list(count);
  CK_ULONG short_count = 1;
  EXPECT_EQ(m_->fl3->C_GetInterfaceList(list.data(), &short_count), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(short_count, count);
  ASSERT_EQ(m_->fl3->C_GetInterfaceList(list.data(), &count), CKR_OK);
  bool v3 = false, v240 = false;
  for (const CK_INTERFACE& i : list) {
    if (std::strcmp(reinterpret_cast<const char*>(i.pInterfaceName), "PKCS 11") != 0) continue;
    auto* v = static_cast<CK_VERSION*>(i.pFunctionList);  // every function list starts with its version
    v3 |= v->major == 3 && v->minor == 0;
    v240 |= v->major == 2 && v->minor == 40;
  }
  EXPECT_TRUE(v3);
  EXPECT_TRUE(v240);
  EXPECT_EQ(m_->fl3->C_GetInterfaceList(nullptr, nullptr), CKR_ARGUMENTS_BAD);
}

TEST_P(GeneralTest, GetInterfaceByVersionAndDefault) {
  if (m_->fl3 == nullptr) GTEST_SKIP() << m_->name << " offers no PKCS#11 3.0 interface (SoftHSM 2.6 is 2.40 only)";
  CK_INTERFACE_PTR iface = nullptr;
  CK_VERSION v240 = {2, 40};
  auto name = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>("PKCS 11"));
  ASSERT_EQ(m_->fl3->C_GetInterface(name, &v240, &iface, 0), CKR_OK);
  ASSERT_NE(iface, nullptr);
  EXPECT_EQ(static_cast<CK_VERSION*>(iface->pFunctionList)->minor, 40);
  // 3.0 section 5.2: a null name and version give the module's default interface.
  ASSERT_EQ(m_->fl3->C_GetInterface(nullptr, nullptr, &iface, 0), CKR_OK);
  ASSERT_NE(iface, nullptr);
  EXPECT_EQ(m_->fl3->C_GetInterface(name, nullptr, nullptr, 0), CKR_ARGUMENTS_BAD);
  auto unknown = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>("No Such Interface"));
  EXPECT_NE(m_->fl3->C_GetInterface(unknown, nullptr, &iface, 0), CKR_OK);
}

TEST_P(GeneralTest, SecondInitializeReportsAlreadyInitialized) {
  EXPECT_EQ(f_->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
}

TEST_P(GeneralTest, InitializeWithoutArgumentsWorks) {
  ASSERT_EQ(m_->Finalize(), CKR_OK);
  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);  // section 5.4: NULL_PTR = no threads, no locking needed
  CK_INFO info{};
  EXPECT_EQ(f_->C_GetInfo(&info), CKR_OK);
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(m_->EnsureInitialized(), CKR_OK);
}

TEST_P(GeneralTest, FinalizeWithReservedPointerIsArgumentsBad) {
  int dummy = 0;
  EXPECT_EQ(f_->C_Finalize(&dummy), CKR_ARGUMENTS_BAD);  // section 5.4: pReserved must be NULL_PTR
  CK_INFO info{};
  EXPECT_EQ(f_->C_GetInfo(&info), CKR_OK) << "a refused C_Finalize must leave the module initialised";
}

TEST_P(GeneralTest, FunctionsBeforeInitializeReportNotInitialized) {
  ASSERT_EQ(m_->Finalize(), CKR_OK);
  CK_INFO info{};
  CK_ULONG count = 0;
  CK_SLOT_INFO slot_info{};
  CK_TOKEN_INFO token_info{};
  CK_SESSION_HANDLE s = 0;
  CK_SESSION_INFO session_info{};
  CK_BYTE random[8];
  EXPECT_EQ(f_->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_GetSlotList(CK_TRUE, nullptr, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_GetSlotInfo(slot_, &slot_info), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_GetTokenInfo(slot_, &token_info), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_GetMechanismList(slot_, nullptr, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_CloseSession(1), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_CloseAllSessions(slot_), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_GetSessionInfo(1, &session_info), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_Login(1, CKU_USER, Pin(kUserPin), 8), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_Logout(1), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_FindObjectsInit(1, nullptr, 0), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_SignInit(1, nullptr, 1), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_GenerateRandom(1, random, sizeof(random)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  ASSERT_EQ(m_->EnsureInitialized(), CKR_OK);
}

TEST_P(GeneralTest, SessionsDoNotSurviveFinalize) {
  CK_SESSION_HANDLE s = OpenSession(false);
  ASSERT_EQ(m_->Finalize(), CKR_OK);
  ASSERT_EQ(m_->EnsureInitialized(), CKR_OK);
  CK_SESSION_INFO info{};
  EXPECT_EQ(f_->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
}

TEST_P(GeneralTest, InitializeRejectsPartialMutexCallbacks) {
  ASSERT_EQ(m_->Finalize(), CKR_OK);
  // Section 5.4: the four mutex functions are supplied all or none; a mixture is CKR_ARGUMENTS_BAD.
  CK_C_INITIALIZE_ARGS args{};
  args.CreateMutex = [](CK_VOID_PTR_PTR) -> CK_RV { return CKR_OK; };
  EXPECT_EQ(f_->C_Initialize(&args), CKR_ARGUMENTS_BAD);
  CK_C_INITIALIZE_ARGS os_locking{};
  os_locking.flags = CKF_OS_LOCKING_OK;
  EXPECT_EQ(f_->C_Initialize(&os_locking), CKR_OK);
  m_->initialized = true;
  ASSERT_EQ(m_->Finalize(), CKR_OK);
  ASSERT_EQ(m_->EnsureInitialized(), CKR_OK);  // the plain way again, so the token's slot is looked up anew
}

TEST_P(GeneralTest, LegacyParallelFunctionsReportNotParallel) {
  CK_SESSION_HANDLE s = OpenSession(false);
  // Section 5.20: legacy functions; a module without parallel execution returns CKR_FUNCTION_NOT_PARALLEL.
  EXPECT_EQ(f_->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL);
  EXPECT_EQ(f_->C_CancelFunction(s), CKR_FUNCTION_NOT_PARALLEL);
}

TEST_P(GeneralTest, WaitForSlotEventDoesNotBlockWhenAskedNotTo) {
  CK_SLOT_ID slot = 0;
  CK_RV rv = f_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr);
  EXPECT_TRUE(rv == CKR_NO_EVENT || rv == CKR_FUNCTION_NOT_SUPPORTED) << "got 0x" << std::hex << rv;
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(GeneralTest);

}  // namespace cf::conformance
