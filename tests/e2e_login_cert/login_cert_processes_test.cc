// Certification over time and across processes: a process that stays logged in renews a short-lived admission
// certificate while it keeps signing; a key requiring admission stops working once the certificate expired and
// could not be renewed; two processes logging in at once with an expired certificate certify once.
#include <sys/wait.h>

#include "tests/e2e_login_cert/login_fixture.h"

namespace cf::attest {
namespace {

using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// A second cf-certifier (same policy) whose certificates live `seconds` (60 of them back-dated). Stopped by the
// destructor: only the process this test started.
struct ShortLivedCertifier {
  pid_t pid = 0;
  uint16_t port = 0;
  std::string log;
  ShortLivedCertifier(const std::string& dir, int seconds, const std::string& name) : log(dir + "/" + name + ".log") {
    pid = SpawnCertifier(dir, log, {"--admission-validity-seconds", std::to_string(seconds)}, &port);
  }
  void Stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    pid = 0;
  }
  ~ShortLivedCertifier() { Stop(); }
};

TEST_F(LoginCert, AProcessThatStaysLoggedInRenewsWhileItKeepsSigning) {
  MakeToken("platform");
  // 64 s of which 60 back-dated: each certificate expires ~4 s after issue, and is due for renewal at once.
  ShortLivedCertifier short_lived(dir_, 64, "short-renewal");
  ASSERT_NE(short_lived.port, 0);
  InitToken(Config("CERTIFICATION_CACHED", short_lived.port, "certification_deadline_ms: 1000"));
  CK_SESSION_HANDLE s = Open();
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  CK_OBJECT_HANDLE guarded = EcKey(s, true);
  int after_login = Admissions(short_lived.log);
  ASSERT_GE(after_login, 1);
  // Sign past the first certificate's expiry (~4 s): the guarded key works only if renewal happened, and no
  // call may take much longer than the deadline. Bounded: 8 s.
  auto end = SteadyClock::now() + std::chrono::seconds(8);
  int signatures = 0;
  SteadyClock::duration slowest{};
  while (SteadyClock::now() < end) {
    auto t0 = SteadyClock::now();
    ASSERT_EQ(Sign(s, guarded), CKR_OK) << "after " << signatures << " signatures\n" << ModuleLog();
    slowest = std::max(slowest, SteadyClock::now() - t0);
    ++signatures;
    usleep(20000);
  }
  EXPECT_GE(Admissions(short_lived.log), after_login + 2) << "no renewal without a new C_Login";
  EXPECT_LT(slowest, Ms(1500)) << "a signing call waited past certification_deadline_ms";
  EXPECT_NE(ModuleLog().find("admission certificate renewed"), std::string::npos) << ModuleLog();
}

TEST_F(LoginCert, AKeyRequiringAdmissionStopsWhenTheCertificateExpiredUnrenewed) {
  MakeToken("platform");
  ShortLivedCertifier short_lived(dir_, 63, "short-expiry");
  ASSERT_NE(short_lived.port, 0);
  InitToken(Config("CERTIFICATION_CACHED", short_lived.port, "certification_deadline_ms: 300"));
  CK_SESSION_HANDLE s = Open();
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  CK_OBJECT_HANDLE guarded = EcKey(s, true), plain = EcKey(s, false);
  EXPECT_EQ(Sign(s, guarded), CKR_OK);
  short_lived.Stop();
  usleep(4500000);  // past the ~3 s validity
  EXPECT_EQ(Sign(s, guarded), CKR_KEY_FUNCTION_NOT_PERMITTED) << ModuleLog();
  EXPECT_EQ(Sign(s, plain), CKR_OK);
  EXPECT_NE(ModuleLog().find("admission certificate expired at"), std::string::npos) << ModuleLog();
}

TEST_F(LoginCert, TwoProcessesLoggingInAtOnceWithAnExpiredCertificateCertifyOnce) {
  MakeToken("platform");
  {
    ShortLivedCertifier short_lived(dir_, 61, "short-two");
    ASSERT_NE(short_lived.port, 0);
    InitToken(Config("CERTIFICATION_CACHED", short_lived.port));
    ASSERT_EQ(Login(Open()), CKR_OK) << ModuleLog();
  }
  f_->C_Finalize(nullptr);
  initialized_ = false;
  usleep(2000000);  // the stored certificate has expired
  ShortLivedCertifier service(dir_, 3600, "two");
  ASSERT_NE(service.port, 0);
  std::string config = Config("CERTIFICATION_CACHED", service.port);
  pid_t children[2];
  for (pid_t& child : children) {
    child = fork();
    if (child == 0) {
      CK_C_INITIALIZE_ARGS args{};
      args.flags = CKF_OS_LOCKING_OK;
      args.pReserved = const_cast<char*>(config.c_str());
      if (f_->C_Initialize(&args) != CKR_OK) _exit(2);
      CK_SESSION_HANDLE s = 0;
      if (f_->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) _exit(3);
      _exit(f_->C_Login(s, CKU_USER, Pin("1234"), 4) == CKR_OK ? 0 : 1);
    }
  }
  for (pid_t child : children) {
    int st = -1;
    ASSERT_EQ(waitpid(child, &st, 0), child);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st << "\n" << ModuleLog();
  }
  EXPECT_EQ(Admissions(service.log), 1) << "the second process did not take the first one's certificate";
  // The store holds one consistent result: the newest certificate checks under the policy for the stored key.
  ASSERT_EQ(Init(config), CKR_OK);
  CK_SESSION_HANDLE s = Open();
  ASSERT_EQ(Login(s), CKR_OK);
  EXPECT_EQ(Admissions(service.log), 1);
  EXPECT_EQ(Find(s, CKO_CERTIFICATE, CF_PKCS11_LABEL_ADMISSION_CERT).size(), 1u);
}

}  // namespace
}  // namespace cf::attest
