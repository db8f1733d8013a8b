// The functions PKCS#11 3.0 added (section 5.1's list beyond 2.40): C_LoginUser, C_SessionCancel and the
// message-based functions, reached through the 3.0 function list from C_GetInterface. Modules without a 3.0
// interface (SoftHSM 2.6) are skipped, naming that.
#include "p11_test.h"

namespace cf::conformance {
namespace {

class V3FunctionsTest : public P11Test {
 protected:
  void SetUp() override {
    P11Test::SetUp();
    if (HasFatalFailure()) return;
    f3_ = m_->fl3;
    if (f3_ == nullptr) GTEST_SKIP() << m_->name << " offers no PKCS#11 3.0 interface (SoftHSM 2.6 is 2.40 only)";
  }
  CK_FUNCTION_LIST_3_0_PTR f3_ = nullptr;
};

TEST_P(V3FunctionsTest, ThreeZeroListSharesTheTwoFortyFunctions) {
  // The first 68 entries are the same functions in both lists (3.0 section 5.1), so a 2.40 caller and a 3.0
  // caller see one module state.
  EXPECT_EQ(f3_->version.major, 3);
  EXPECT_EQ(f3_->version.minor, 0);
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  ASSERT_EQ(f3_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
  CK_SESSION_INFO info{};
  EXPECT_EQ(f_->C_GetSessionInfo(s, &info), CKR_OK);
}

TEST_P(V3FunctionsTest, LoginUserWithoutNameLogsInTheUser) {
  CK_SESSION_HANDLE s = OpenSession(true);
  // 3.0 section 5.6 (C_LoginUser): like C_Login, with a user name a token without named users may ignore.
  ASSERT_EQ(f3_->C_LoginUser(s, CKU_USER, Pin(kUserPin), 8, nullptr, 0), CKR_OK);
  CK_SESSION_INFO info{};
  ASSERT_EQ(f_->C_GetSessionInfo(s, &info), CKR_OK);
  EXPECT_EQ(info.state, CKS_RW_USER_FUNCTIONS);
  EXPECT_EQ(f3_->C_LoginUser(s, CKU_USER, Pin(kUserPin), 8, nullptr, 0), CKR_USER_ALREADY_LOGGED_IN);
}

TEST_P(V3FunctionsTest, LoginUserChecksThePin) {
  CK_SESSION_HANDLE s = OpenSession(true);
  EXPECT_EQ(f3_->C_LoginUser(s, CKU_USER, Pin("00000000"), 8, nullptr, 0), CKR_PIN_INCORRECT);
  EXPECT_EQ(f3_->C_LoginUser(0x7ffe4321, CKU_USER, Pin(kUserPin), 8, nullptr, 0), CKR_SESSION_HANDLE_INVALID);
}

TEST_P(V3FunctionsTest, SessionCancelEndsTheNamedOperations) {
  CK_SESSION_HANDLE s = OpenSession(false);
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  ASSERT_EQ(f_->C_DigestInit(s, &sha), CKR_OK);
  ASSERT_EQ(f_->C_FindObjectsInit(s, nullptr, 0), CKR_OK);
  // 3.0 section 5.6 (C_SessionCancel): the flags name the operations to end.
  ASSERT_EQ(f3_->C_SessionCancel(s, CKF_DIGEST), CKR_OK);
  CK_BYTE out[32];
  CK_ULONG len = sizeof(out);
  EXPECT_EQ(f_->C_DigestFinal(s, out, &len), CKR_OPERATION_NOT_INITIALIZED);
  CK_OBJECT_HANDLE h[1];
  CK_ULONG n = 0;
  EXPECT_EQ(f_->C_FindObjects(s, h, 1, &n), CKR_OK) << "the search was not named and must still be active";
  ASSERT_EQ(f3_->C_SessionCancel(s, CKF_FIND_OBJECTS), CKR_OK);
  EXPECT_EQ(f_->C_FindObjects(s, h, 1, &n), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f_->C_DigestInit(s, &sha), CKR_OK) << "a cancelled operation can be started again";
}

TEST_P(V3FunctionsTest, MessageFunctionsAnswerConsistently) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s);
  CK_BYTE iv[12] = {};
  CK_GCM_PARAMS gcm{iv, sizeof(iv), 96, nullptr, 0, 128};
  CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof(gcm)};
  CK_RV rv = f3_->C_MessageEncryptInit(s, &mech, key);
  if (rv == CKR_OK) {
    EXPECT_EQ(f3_->C_MessageEncryptFinal(s), CKR_OK);
    return;
  }
  // A module that does not offer message-based operations says CKR_FUNCTION_NOT_SUPPORTED for every one of
  // them (3.0 section 5.1) rather than half-working.
  EXPECT_EQ(rv, CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(f3_->C_MessageDecryptInit(s, &mech, key), CKR_FUNCTION_NOT_SUPPORTED);
  CK_MECHANISM hmac{CKM_SHA256_HMAC, nullptr, 0};
  EXPECT_EQ(f3_->C_MessageSignInit(s, &hmac, key), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(f3_->C_MessageVerifyInit(s, &hmac, key), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(f3_->C_MessageEncryptFinal(s), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(f3_->C_MessageEncryptFinal(0x7ffe4321), CKR_SESSION_HANDLE_INVALID);
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(V3FunctionsTest);

}  // namespace cf::conformance
