// Session management and login (PKCS#11 3.0 sections 5.6 and 5.5 for PINs): open/close/close-all, the session
// states of section 5.6's table, login rules (already logged in, SO with a read-only session, wrong PIN), and the
// PIN functions C_SetPIN and C_InitPIN.
#include <cstdio>
#include <cstring>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class SessionTest : public P11Test {
 protected:
  CK_STATE State(CK_SESSION_HANDLE s) {
    CK_SESSION_INFO info{};
    EXPECT_EQ(f_->C_GetSessionInfo(s, &info), CKR_OK);
    return info.state;
  }
};

constexpr CK_SESSION_HANDLE kBogusSession = 0x7ffe4321;

TEST_P(SessionTest, OpenSessionChecksArguments) {
  CK_SESSION_HANDLE s = 0;
  EXPECT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  // Section 5.6: CKF_SERIAL_SESSION must be set (legacy); without it CKR_SESSION_PARALLEL_NOT_SUPPORTED.
  EXPECT_EQ(f_->C_OpenSession(slot_, 0, nullptr, nullptr, &s), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  EXPECT_EQ(f_->C_OpenSession(0x7fff1234, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_SLOT_ID_INVALID);
}

TEST_P(SessionTest, SessionInfoReportsPublicStatesAndFlags) {
  CK_SESSION_HANDLE ro = OpenSession(false);
  CK_SESSION_HANDLE rw = OpenSession(true);
  ASSERT_NE(ro, rw);
  CK_SESSION_INFO info{};
  ASSERT_EQ(f_->C_GetSessionInfo(ro, &info), CKR_OK);
  EXPECT_EQ(info.state, CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(info.slotID, slot_);
  EXPECT_EQ(info.flags, CKF_SERIAL_SESSION);
  ASSERT_EQ(f_->C_GetSessionInfo(rw, &info), CKR_OK);
  EXPECT_EQ(info.state, CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(info.flags, CKF_SERIAL_SESSION | CKF_RW_SESSION);
  EXPECT_EQ(f_->C_GetSessionInfo(ro, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_GetSessionInfo(kBogusSession, &info), CKR_SESSION_HANDLE_INVALID);
}

TEST_P(SessionTest, UserLoginAppliesToEverySessionOfTheApplication) {
  CK_SESSION_HANDLE ro = OpenSession(false);
  CK_SESSION_HANDLE rw = OpenSession(true);
  ASSERT_EQ(Login(ro, CKU_USER, kUserPin), CKR_OK);
  // Section 5.6 / 4.x session model: login state is per application, shared by all its sessions.
  EXPECT_EQ(State(ro), CKS_RO_USER_FUNCTIONS);
  EXPECT_EQ(State(rw), CKS_RW_USER_FUNCTIONS);
  CK_SESSION_HANDLE later = OpenSession(false);
  EXPECT_EQ(State(later), CKS_RO_USER_FUNCTIONS);
  ASSERT_EQ(f_->C_Logout(rw), CKR_OK);
  EXPECT_EQ(State(ro), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(State(rw), CKS_RW_PUBLIC_SESSION);
}

TEST_P(SessionTest, SoLoginNeedsReadWriteSessionsOnly) {
  CK_SESSION_HANDLE ro = OpenSession(false);
  CK_SESSION_HANDLE rw = OpenSession(true);
  // Section 5.6 (C_Login): an SO cannot log in while a read-only session exists.
  EXPECT_EQ(Login(rw, CKU_SO, kSoPin), CKR_SESSION_READ_ONLY_EXISTS);
  ASSERT_EQ(f_->C_CloseSession(ro), CKR_OK);
  ASSERT_EQ(Login(rw, CKU_SO, kSoPin), CKR_OK);
  EXPECT_EQ(State(rw), CKS_RW_SO_FUNCTIONS);
  CK_SESSION_HANDLE ro2 = CK_INVALID_HANDLE;
  // ... and no read-only session can be opened while the SO is logged in.
  EXPECT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &ro2), CKR_SESSION_READ_WRITE_SO_EXISTS);
  EXPECT_EQ(Login(rw, CKU_USER, kUserPin), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
}

TEST_P(SessionTest, SecondLoginIsAlreadyLoggedIn) {
  CK_SESSION_HANDLE s = OpenSession(true);
  ASSERT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_USER_ALREADY_LOGGED_IN);
  EXPECT_EQ(Login(s, CKU_SO, kSoPin), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
}

TEST_P(SessionTest, LoginChecksPinUserTypeAndArguments) {
  CK_SESSION_HANDLE s = OpenSession(true);
  EXPECT_EQ(Login(s, CKU_USER, "00000000"), CKR_PIN_INCORRECT);
  EXPECT_EQ(State(s), CKS_RW_PUBLIC_SESSION);
  CK_TOKEN_INFO after_failure{};
  ASSERT_EQ(f_->C_GetTokenInfo(slot_, &after_failure), CKR_OK);
  // Section 3.2 (CK_TOKEN_INFO flags): CKF_USER_PIN_COUNT_LOW is set once a wrong user PIN has been entered
  // since the last successful authentication.
  if (IsSoftHsm() && !(after_failure.flags & CKF_USER_PIN_COUNT_LOW)) {
    std::printf("[ DEVIATION] softhsm: no CKF_USER_PIN_COUNT_LOW after a wrong user PIN\n");
  } else {
    EXPECT_TRUE(after_failure.flags & CKF_USER_PIN_COUNT_LOW);
  }
  EXPECT_FALSE(after_failure.flags & CKF_USER_PIN_LOCKED);
  EXPECT_EQ(f_->C_Login(s, 77, Pin(kUserPin), 8), CKR_USER_TYPE_INVALID);
  EXPECT_EQ(f_->C_Login(s, CKU_USER, nullptr, 8), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_Login(kBogusSession, CKU_USER, Pin(kUserPin), 8), CKR_SESSION_HANDLE_INVALID);
  // The failure above must not have locked anything: the right PIN still works and clears the counter.
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
  CK_TOKEN_INFO info{};
  ASSERT_EQ(f_->C_GetTokenInfo(slot_, &info), CKR_OK);
  EXPECT_FALSE(info.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED));
}

TEST_P(SessionTest, LogoutWithoutLoginIsUserNotLoggedIn) {
  CK_SESSION_HANDLE s = OpenSession(false);
  // Section 5.6 (C_Logout) lists CKR_USER_NOT_LOGGED_IN for a session nobody is logged in to.
  ExpectRv(f_->C_Logout(s), CKR_USER_NOT_LOGGED_IN, CKR_OK, "C_Logout without a login succeeds");
  EXPECT_EQ(f_->C_Logout(kBogusSession), CKR_SESSION_HANDLE_INVALID);
}

TEST_P(SessionTest, ClosedSessionHandleIsInvalid) {
  CK_SESSION_HANDLE s = OpenSession(false);
  ASSERT_EQ(f_->C_CloseSession(s), CKR_OK);
  CK_SESSION_INFO info{};
  EXPECT_EQ(f_->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f_->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f_->C_CloseSession(kBogusSession), CKR_SESSION_HANDLE_INVALID);
}

TEST_P(SessionTest, CloseAllSessionsInvalidatesEveryHandleAndLogsOut) {
  CK_SESSION_HANDLE a = OpenSession(false);
  CK_SESSION_HANDLE b = OpenSession(true);
  ASSERT_EQ(Login(b, CKU_USER, kUserPin), CKR_OK);
  ASSERT_EQ(f_->C_CloseAllSessions(slot_), CKR_OK);
  CK_SESSION_INFO info{};
  EXPECT_EQ(f_->C_GetSessionInfo(a, &info), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f_->C_GetSessionInfo(b, &info), CKR_SESSION_HANDLE_INVALID);
  CK_SESSION_HANDLE c = OpenSession(false);
  EXPECT_EQ(State(c), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(f_->C_CloseAllSessions(0x7fff1234), CKR_SLOT_ID_INVALID);
}

TEST_P(SessionTest, ClosingTheLastSessionLogsOut) {
  CK_SESSION_HANDLE s = UserSession();
  ASSERT_EQ(f_->C_CloseSession(s), CKR_OK);
  CK_SESSION_HANDLE again = OpenSession(true);
  EXPECT_EQ(State(again), CKS_RW_PUBLIC_SESSION);
}

TEST_P(SessionTest, SetPinChangesTheUserPin) {
  const char kNewPin[] = "11223344";
  CK_SESSION_HANDLE s = UserSession();
  EXPECT_EQ(f_->C_SetPIN(s, Pin("99999999"), 8, Pin(kNewPin), 8), CKR_PIN_INCORRECT);
  ASSERT_EQ(f_->C_SetPIN(s, Pin(kUserPin), 8, Pin(kNewPin), 8), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_PIN_INCORRECT);
  ASSERT_EQ(Login(s, CKU_USER, kNewPin), CKR_OK);
  ASSERT_EQ(f_->C_SetPIN(s, Pin(kNewPin), 8, Pin(kUserPin), 8), CKR_OK);  // restore for the other tests
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
}

TEST_P(SessionTest, SetPinBySecurityOfficerChangesTheSoPin) {
  const char kNewSoPin[] = "55667788";
  CK_SESSION_HANDLE s = OpenSession(true);
  ASSERT_EQ(Login(s, CKU_SO, kSoPin), CKR_OK);
  // Section 5.5 (C_SetPIN): in the "R/W SO Functions" state it changes the SO's PIN.
  ASSERT_EQ(f_->C_SetPIN(s, Pin(kSoPin), 8, Pin(kNewSoPin), 8), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(Login(s, CKU_SO, kSoPin), CKR_PIN_INCORRECT);
  ASSERT_EQ(Login(s, CKU_SO, kNewSoPin), CKR_OK);
  ASSERT_EQ(f_->C_SetPIN(s, Pin(kNewSoPin), 8, Pin(kSoPin), 8), CKR_OK);  // restore for the other tests
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(Login(s, CKU_SO, kSoPin), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK) << "changing the SO PIN must not touch the user's";
}

TEST_P(SessionTest, SetPinInReadOnlySessionIsSessionReadOnly) {
  CK_SESSION_HANDLE s = OpenSession(false);
  ASSERT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
  // Section 5.5 (C_SetPIN): only in a read/write session.
  EXPECT_EQ(f_->C_SetPIN(s, Pin(kUserPin), 8, Pin("11223344"), 8), CKR_SESSION_READ_ONLY);
}

TEST_P(SessionTest, InitPinNeedsTheSecurityOfficer) {
  CK_SESSION_HANDLE s = OpenSession(true);
  // Section 5.5 (C_InitPIN): only in the "R/W SO Functions" state.
  EXPECT_EQ(f_->C_InitPIN(s, Pin(kUserPin), 8), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
  EXPECT_EQ(f_->C_InitPIN(s, Pin(kUserPin), 8), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  ASSERT_EQ(Login(s, CKU_SO, kSoPin), CKR_OK);
  ASSERT_EQ(f_->C_InitPIN(s, Pin(kUserPin), 8), CKR_OK);
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
}

TEST_P(SessionTest, OperationStateIsNotSavedSilently) {
  CK_SESSION_HANDLE s = OpenSession(false);
  CK_ULONG len = 0;
  // Section 5.6: a module that cannot save state says so; it must not claim success with nothing to restore.
  CK_RV rv = f_->C_GetOperationState(s, nullptr, &len);
  EXPECT_TRUE(rv == CKR_FUNCTION_NOT_SUPPORTED || rv == CKR_OPERATION_NOT_INITIALIZED || rv == CKR_STATE_UNSAVEABLE)
      << "got 0x" << std::hex << rv;
  // A token that saves state (ours) says there is nothing to save: no cryptographic operation is active.
  if (IsOurs()) {
    EXPECT_EQ(rv, CKR_OPERATION_NOT_INITIALIZED);
  }
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(SessionTest);

}  // namespace cf::conformance
