// Threads, processes and fork through the module's C ABI (ARCHITECTURE.md "Threads, processes, fork"): parallel
// signing sessions, several processes writing one token, a forked child using what it inherited and after its
// own C_Initialize (nginx + libp11, p11-kit), many session open/close cycles without memory growth, and the
// per-thread memory of the last session looked up never answering for a closed or a previous module's session.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "p11_fixture.h"
#include "pkcs11/include/cf_pkcs11.h"

namespace cf::p11::test {
namespace {

class ConcurrencyTest : public ModuleTest {
 protected:
  // Runs `create(process, session)` in `processes` forked children, each initialising the module for itself (the
  // p11-kit / libp11 pattern) with its own R/W session, and expects every child to exit 0 (it returns false to fail).
  template <typename Create>
  void InForkedWriters(int processes, Create create) {
    std::vector<pid_t> children;
    for (int p = 0; p < processes; ++p) {
      pid_t pid = fork();
      if (pid == 0) {
        CK_RV rv = Initialize();
        if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) _exit(2);
        CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
        if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s) != CKR_OK) _exit(3);
        _exit(create(p, s) ? 0 : 4);
      }
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      waitpid(pid, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
    }
  }
  // A token EC key pair (token objects: their handles survive a re-initialisation).
  void MakeTokenKey(CK_SESSION_HANDLE s) {
    ASSERT_EQ(GenerateEc(s, {Bool(CKA_TOKEN, true), Str(CKA_LABEL, "k")}, {Bool(CKA_TOKEN, true), Str(CKA_LABEL, "k")},
                         &pub_, &priv_),
              CKR_OK);
  }
  // Signs and verifies once in session s; CKR_OK when both worked.
  CK_RV SignVerify(CK_SESSION_HANDLE s) {
    CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
    unsigned char data[] = "concurrent", sig[64];
    CK_ULONG len = sizeof(sig);
    CK_RV rv = f_->C_SignInit(s, &m, priv_);
    if (rv == CKR_OK) rv = f_->C_Sign(s, data, sizeof(data), sig, &len);
    if (rv == CKR_OK) rv = f_->C_VerifyInit(s, &m, pub_);
    if (rv == CKR_OK) rv = f_->C_Verify(s, data, sizeof(data), sig, len);
    return rv;
  }
  // Runs body (returning a CK_RV) in a forked child; the child's exit status is 0 when it returned CKR_OK. The
  // child leaves with _exit so the parent's exit handlers (the shared token directory's removal) do not run twice.
  template <typename F>
  int InChild(F body) {
    pid_t pid = fork();
    if (pid == 0) _exit(body() == CKR_OK ? 0 : 1);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
  }

  CK_OBJECT_HANDLE pub_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv_ = CK_INVALID_HANDLE;
};

TEST_F(ConcurrencyTest, FourThreadsSignInParallelSessions) {
  CK_SESSION_HANDLE s = OpenUser();
  MakeTokenKey(s);
  std::atomic<int> failures{0}, signatures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      CK_SESSION_HANDLE mine = CK_INVALID_HANDLE;
      if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &mine) != CKR_OK) {
        ++failures;
        return;
      }
      for (int i = 0; i < 50; ++i) (SignVerify(mine) == CKR_OK ? signatures : failures)++;
      f_->C_CloseSession(mine);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(signatures.load(), 200);
}

TEST_F(ConcurrencyTest, FourProcessesCreating200TokenObjectsEachLeave800) {
  InForkedWriters(4, [&](int p, CK_SESSION_HANDLE s) {
    for (int i = 0; i < 200; ++i) {
      CK_OBJECT_HANDLE h;
      std::string label = "p" + std::to_string(p) + "-" + std::to_string(i);
      if (Create(s, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Str(CKA_LABEL, label), Str(CKA_VALUE, label)},
                 &h) != CKR_OK)
        return false;
    }
    return true;
  });
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_EQ(Find(s, {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true)}).size(), 800u);
}

TEST_F(ConcurrencyTest, TwoProcessesCreating50ObjectsWithOneLabelLeave100Visible) {
  // Issue 12: creates onto one label take versions 1..100 between them, and every one stays a visible object.
  InForkedWriters(2, [&](int p, CK_SESSION_HANDLE s) {
    for (int i = 0; i < 50; ++i) {
      CK_OBJECT_HANDLE h;
      std::string value = "p" + std::to_string(p) + "-" + std::to_string(i);
      if (Create(s,
                 {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Str(CKA_LABEL, "shared-label"),
                  Str(CKA_VALUE, value)},
                 &h) != CKR_OK)
        return false;
    }
    return true;
  });
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "shared-label")}).size(), 100u);
  EXPECT_EQ(Find(s, {Str(CKA_LABEL, "shared-label"), Bool(CKA_CF_LATEST, true)}).size(), 1u);
}

TEST_F(ConcurrencyTest, ForkedChildSignsWithInheritedSessionAndHandles) {
  CK_SESSION_HANDLE s = OpenUser();
  MakeTokenKey(s);
  ASSERT_EQ(SignVerify(s), CKR_OK);
  EXPECT_EQ(InChild([&] { return SignVerify(s); }), 0);
  // The parent is unaffected by what the child did.
  EXPECT_EQ(SignVerify(s), CKR_OK);
}

TEST_F(ConcurrencyTest, ForkedChildReinitialisesLogsInAndUsesHandlesCachedBeforeFork) {
  CK_SESSION_HANDLE s = OpenUser();
  MakeTokenKey(s);
  EXPECT_EQ(InChild([&]() -> CK_RV {
              CK_RV rv = Initialize();
              if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) return rv;
              CK_SESSION_HANDLE mine = CK_INVALID_HANDLE;
              rv = f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &mine);
              if (rv != CKR_OK) return rv;
              rv = f_->C_Login(mine, CKU_USER, Pin(kUserPin), 4);
              if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return rv;
              return SignVerify(mine);  // priv_/pub_ are the parent's handles
            }),
            0);
  // A child that finalises and initialises again (p11-kit's managed modules) works too.
  EXPECT_EQ(InChild([&]() -> CK_RV {
              f_->C_Finalize(nullptr);
              CK_RV rv = Initialize();
              if (rv != CKR_OK) return rv;
              CK_SESSION_HANDLE mine = CK_INVALID_HANDLE;
              rv = f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &mine);
              if (rv == CKR_OK) rv = f_->C_Login(mine, CKU_USER, Pin(kUserPin), 4);
              return rv == CKR_OK ? SignVerify(mine) : rv;
            }),
            0);
  EXPECT_EQ(SignVerify(s), CKR_OK);
}

long ResidentKiB() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST_F(ConcurrencyTest, ASessionClosedByAnotherThreadIsInvalidInTheThreadThatUsedIt) {
  CK_SESSION_HANDLE s = OpenRw();
  CK_SESSION_INFO info;
  std::atomic<int> step{0};
  CK_RV before = CKR_GENERAL_ERROR, after = CKR_OK;
  std::thread user([&] {
    before = f_->C_GetSessionInfo(s, &info);  // this thread now remembers s
    step = 1;
    for (int i = 0; i < 5000 && step != 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    after = f_->C_GetSessionInfo(s, &info);
  });
  for (int i = 0; i < 5000 && step != 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(f_->C_CloseSession(s), CKR_OK);
  step = 2;
  user.join();
  EXPECT_EQ(before, CKR_OK);
  EXPECT_EQ(after, CKR_SESSION_HANDLE_INVALID);
}

TEST_F(ConcurrencyTest, AHandleNumberReusedByANewInitializationNamesTheNewSession) {
  CK_SESSION_HANDLE old_handle = OpenRw();
  CK_SESSION_INFO info;
  ASSERT_EQ(f_->C_GetSessionInfo(old_handle, &info), CKR_OK);  // remembered by this thread, read-write
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(Initialize(), CKR_OK);
  CK_SESSION_HANDLE fresh = CK_INVALID_HANDLE;
  for (int i = 0; i < 64 && fresh != old_handle; ++i)  // read-only sessions until the number comes round again
    ASSERT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &fresh), CKR_OK);
  if (fresh != old_handle) GTEST_SKIP() << "the new module does not number sessions from where the old one did";
  ASSERT_EQ(f_->C_GetSessionInfo(fresh, &info), CKR_OK);
  EXPECT_EQ(info.flags & CKF_RW_SESSION, 0u) << "answered for the previous module's read-write session";
}

TEST_F(ConcurrencyTest, ThousandSessionOpenCloseCyclesDoNotGrowMemory) {
  CK_SESSION_HANDLE keep = OpenUser();  // keeps the login across the cycles, as a long-lived client would
  for (int i = 0; i < 100; ++i) {       // warm-up: allocator pools reach their steady size
    CK_SESSION_HANDLE s = OpenRw();
    f_->C_CloseSession(s);
  }
  long before = ResidentKiB();
  auto start = std::chrono::steady_clock::now();
  int failures = 0;
  for (int i = 0; i < 1000; ++i) {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) ++failures;
    if (f_->C_CloseSession(s) != CKR_OK) ++failures;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long growth = ResidentKiB() - before;
  EXPECT_EQ(failures, 0);
  EXPECT_LT(growth, 2048) << "resident memory grew " << growth << " KiB over 1000 cycles";
  RecordProperty("cycles_per_second", static_cast<int>(1000 / seconds));
  RecordProperty("growth_kib", static_cast<int>(growth));
  CK_SESSION_INFO info;
  EXPECT_EQ(f_->C_GetSessionInfo(keep, &info), CKR_OK);
  EXPECT_EQ(info.state, CKS_RW_USER_FUNCTIONS);
}

}  // namespace
}  // namespace cf::p11::test
