// The fault cases of issue 14 the other files do not cover, each against real cf-certifier processes: a service
// whose clock is ahead (certificates not valid yet) or behind (expired at issue), a genuine certificate for
// another token's key (replayed by a relay), and a token directory moved onto another platform. Each failure has
// its documented code, one log line saying what to fix, and changes nothing stored.
#include <sys/wait.h>

#include "tests/e2e_login_cert/login_fixture.h"

namespace cf::attest {
namespace {

// A cf-certifier of the suite's policy with extra flags; stopped (SIGTERM, by PID) by the destructor.
struct ExtraCertifier {
  pid_t pid = 0;
  uint16_t port = 0;
  ExtraCertifier(const std::string& dir, const std::string& name, std::vector<std::string> flags) {
    pid = SpawnCertifier(dir, dir + "/" + name + ".log", std::move(flags), &port);
  }
  ~ExtraCertifier() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
  }
};

// Reads one frame (4-byte little-endian length, then the body) with the socket's receive timeout.
bool ReadFrame(int fd, Bytes* frame) {
  uint8_t len[4];
  size_t got = 0;
  for (int i = 0; i < 1000 && got < 4; ++i) {
    ssize_t n = read(fd, len + got, 4 - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  uint32_t size = len[0] | (len[1] << 8) | (len[2] << 16) | (uint32_t{len[3]} << 24);
  if (got < 4 || size > (1u << 20)) return false;
  frame->assign(len, len + 4);
  frame->resize(4 + size);
  for (size_t at = 4, i = 0; at < frame->size() && i < 100000; ++i) {
    ssize_t n = read(fd, frame->data() + at, frame->size() - at);
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

void WithTimeout(int fd) {
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// Serves one connection: forwards it to the certifier at `upstream` and records the answer, or, when `replay` is
// given, answers with that instead (a genuine answer made for someone else).
struct Relay {
  SilentPort listener{true};
  std::thread thread;
  Bytes answer;
  Relay(uint16_t upstream, const Bytes* replay) {
    thread = std::thread([this, upstream, replay] {
      int c = accept(listener.fd, nullptr, nullptr);
      if (c < 0) return;
      WithTimeout(c);
      Bytes request;
      if (ReadFrame(c, &request)) {
        if (replay != nullptr) {
          answer = *replay;
        } else {
          int u = socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in a{};
          a.sin_family = AF_INET;
          a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          a.sin_port = htons(upstream);
          WithTimeout(u);
          if (connect(u, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
              write(u, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
            ReadFrame(u, &answer);
          }
          close(u);
        }
        (void)!write(c, answer.data(), answer.size());
      }
      close(c);
    });
  }
  ~Relay() {
    if (thread.joinable()) thread.join();
  }
};

std::string Sha256Of(const std::string& path) {
  int st = 0;
  return Shell("sha256sum < " + path, &st);
}

TEST_F(LoginCert, AServiceWhoseClockIsAheadIssuesCertificatesNotValidYet) {
  MakeToken("platform");
  ExtraCertifier ahead(dir_, "clock-ahead", {"--admission-clock-offset-seconds", "3600"});
  ASSERT_NE(ahead.port, 0);
  InitToken(Config("CERTIFICATION_CACHED", ahead.port));
  CK_SESSION_HANDLE s = Open();
  EXPECT_EQ(Login(s), CKR_CF_ADMISSION_CERT_INVALID) << ModuleLog();
  EXPECT_EQ(f_->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
  std::string text = ModuleLog();
  EXPECT_NE(text.find("CKR_CF_ADMISSION_CERT_INVALID"), std::string::npos) << text;
  EXPECT_NE(text.find("is not valid before"), std::string::npos) << text;
  EXPECT_NE(text.find("clock"), std::string::npos) << text;
  // Nothing was stored: a service with a right clock certifies afterwards as on a fresh token.
  ASSERT_EQ(Init(Config("CERTIFICATION_CACHED", port_)), CKR_OK);
  s = Open();
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  EXPECT_EQ(Find(s, CKO_CERTIFICATE, CF_PKCS11_LABEL_ADMISSION_CERT).size(), 1u);
}

TEST_F(LoginCert, AServiceWhoseClockIsBehindIssuesExpiredCertificates) {
  MakeToken("platform");
  ExtraCertifier behind(dir_, "clock-behind",
                        {"--admission-validity-seconds", "3600", "--admission-clock-offset-seconds", "-7200"});
  ASSERT_NE(behind.port, 0);
  InitToken(Config("CERTIFICATION_REQUIRED", behind.port));
  EXPECT_EQ(Login(Open()), CKR_CF_ADMISSION_CERT_INVALID) << ModuleLog();
  std::string text = ModuleLog();
  EXPECT_NE(text.find("admission certificate expired at"), std::string::npos) << text;
  EXPECT_NE(text.find("clock"), std::string::npos) << text;
}

TEST_F(LoginCert, AGenuineCertificateForAnotherTokensKeyIsAMismatch) {
  MakeToken("platform");
  std::string first = tok_;
  Bytes recorded;
  {
    Relay recorder(port_, nullptr);
    InitToken(Config("CERTIFICATION_REQUIRED", recorder.listener.port));
    ASSERT_EQ(Login(Open()), CKR_OK) << ModuleLog();
    recorder.thread.join();
    recorded = recorder.answer;
  }
  ASSERT_GT(recorded.size(), 4u);
  // A second token on the same platform (same measurement), with its own auth key, gets the first one's answer.
  tok_ = first + "-second";
  MakeToken("platform");
  Relay replayer(0, &recorded);
  InitToken(Config("CERTIFICATION_REQUIRED", replayer.listener.port));
  EXPECT_EQ(Login(Open()), CKR_CF_ADMISSION_CERT_MISMATCH) << ModuleLog();
  EXPECT_NE(ModuleLog().find("certifies another key than our authentication key"), std::string::npos) << ModuleLog();
  tok_ = first;
}

TEST_F(LoginCert, AStoreMovedToAnotherPlatformIsNoTokenThereAndStaysIntact) {
  MakeToken("platform");
  InitToken(Config("CERTIFICATION_CACHED", port_));
  ASSERT_EQ(Login(Open()), CKR_OK) << ModuleLog();
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  initialized_ = false;
  // The token directory copied to a machine whose platform (sealing key, platform key) is another one.
  std::string moved = tok_ + "-moved";
  int st = 0;
  std::string out = Shell("cp -r " + tok_ + " " + moved + " && rm -rf " + moved + "/platform && cp -r " + dir_ +
                              "/platform-other " + moved + "/platform",
                          &st);
  ASSERT_EQ(st, 0) << out;
  std::string store_file = moved + "/cryptstore.sqlite";
  ASSERT_EQ(access(store_file.c_str(), F_OK), 0) << "the store file is no longer " << store_file;
  std::string before = Sha256Of(store_file);
  std::string config = Config("CERTIFICATION_CACHED", port_);
  for (size_t at = 0; (at = config.find(tok_ + "\"", at)) != std::string::npos;) {
    config.replace(at, tok_.size(), moved);
    at += moved.size();
  }
  ASSERT_EQ(Init(config), CKR_OK) << "C_Initialize must not fail for one unusable token";
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  EXPECT_EQ(f_->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), CKR_TOKEN_NOT_PRESENT);
  CK_SLOT_INFO slot{};
  ASSERT_EQ(f_->C_GetSlotInfo(0, &slot), CKR_OK);
  EXPECT_EQ(slot.flags & CKF_TOKEN_PRESENT, 0u);
  std::string text = ModuleLog();
  EXPECT_NE(text.find("cannot be opened, slot shows no token"), std::string::npos) << text;
  EXPECT_NE(text.find("another platform"), std::string::npos) << text;
  EXPECT_NE(text.find("nothing was changed"), std::string::npos) << text;
  // Nothing lost: the moved files are untouched, the copy works again with its own platform, and so does the
  // original.
  EXPECT_EQ(Sha256Of(store_file), before);
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  initialized_ = false;
  out = Shell("rm -rf " + moved + "/platform && cp -r " + tok_ + "/platform " + moved + "/platform", &st);
  ASSERT_EQ(st, 0) << out;
  ASSERT_EQ(Init(config), CKR_OK);
  s = Open();
  EXPECT_EQ(Login(s), CKR_OK) << ModuleLog();
  EXPECT_EQ(Find(s, CKO_CERTIFICATE, CF_PKCS11_LABEL_ADMISSION_CERT).size(), 1u);
  ASSERT_EQ(Init(Config("CERTIFICATION_CACHED", port_)), CKR_OK);
  EXPECT_EQ(Login(Open()), CKR_OK) << ModuleLog();
}

}  // namespace
}  // namespace cf::attest
