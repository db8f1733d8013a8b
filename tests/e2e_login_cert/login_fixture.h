// The LoginCert fixture: CertifierProcess (policy, trusted and untrusted simulated platforms, a cf-certifier) plus
// the module through its C ABI, one fresh token per test whose platform is a copy of a fixture platform, and the
// module's log (CF_PKCS11_DEBUG: stderr) captured per test. Helpers keep the tests about behaviour.
#pragma once

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cf_pkcs11.h"
#include "pkcs11/include/pkcs11_types.h"

// Nothing of ours but the module is linked: the module carries its own protobuf messages, and a second copy in
// this process would collide in libprotobuf's registry. The fixture is built with the command-line tools.
namespace cf::attest {

using Bytes = std::vector<uint8_t>;

inline std::string TextOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
inline std::string AsString(const Bytes& b) { return std::string(b.begin(), b.end()); }

inline std::string Shell(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(("( " + cmd + " ) 2>&1").c_str(), "r");
  char buf[512];
  while (p != nullptr && fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  *status = p == nullptr ? -1 : pclose(p);
  return out;
}

// Starts a cf-certifier logging to `log` (extra: more flags) and waits (bounded: 10 s) for its port.
inline pid_t SpawnCertifier(const std::string& dir, const std::string& log, std::vector<std::string> extra,
                            uint16_t* port) {
  std::vector<std::string> args = {CF_CERTIFIER_BIN,
                                   "--policy-key-file",
                                   dir + "/policy_key.bin",
                                   "--policy-cert-file",
                                   dir + "/policy_cert.der",
                                   "--policy-file",
                                   dir + "/policy.bin",
                                   "--port",
                                   "0",
                                   "--workers",
                                   "2",
                                   "--log-file",
                                   log};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(CF_CERTIFIER_BIN, argv.data());
    _exit(127);
  }
  *port = 0;
  for (int i = 0; i < 200 && *port == 0; ++i) {
    usleep(50000);
    std::string s = TextOf(log);
    auto at = s.find("listening on 127.0.0.1:");
    if (at != std::string::npos) *port = static_cast<uint16_t>(atoi(s.c_str() + at + 23));
  }
  return pid;
}

// The policy (cf-policy), two simulated platforms made by cf-osutility (one whose measurement the policy trusts,
// one whose it does not; both platform keys trusted), and one cf-certifier for the suite, stopped by SIGTERM.
class CertifierProcess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/cf-e2e-login-XXXXXX";
    dir_ = mkdtemp(tmpl);
    int st = 0;
    std::string out = Shell(std::string(CF_POLICY_BIN) + " make-key --key-out " + dir_ + "/policy_key.bin" +
                                " --cert-out " + dir_ + "/policy_cert.der --domain e2e-domain",
                            &st);
    ASSERT_EQ(st, 0) << out;
    std::string policy = "# e2e policy\n";
    for (const char* name : {"platform", "platform-other"}) {
      std::string home = dir_ + "/" + name + "-home";
      out = Shell("CF_PKCS11_TOKEN_DIR=" + home + " " + CF_OSUTILITY_BIN +
                      " --init-trust --enclave-type simulated-enclave && " + CF_ATTEST_BIN +
                      " platform-key --platform-dir " + home + "/platform --out " + dir_ + "/" + name + "_key.bin" +
                      " && cp -r " + home + "/platform " + dir_ + "/" + name,
                  &st);
      ASSERT_EQ(st, 0) << out;
      auto at = out.find("measurement ");
      ASSERT_NE(at, std::string::npos) << out;
      std::string m = out.substr(at + 12, 64);
      (std::string(name) == "platform" ? measurement_ : other_measurement_) = m;
      policy += "trust-platform-key " + dir_ + "/" + name + "_key.bin\n";
    }
    policy += "trust-measurement " + measurement_ + "\n";
    std::ofstream(dir_ + "/policy.txt") << policy;
    out = Shell(std::string(CF_POLICY_BIN) + " compile --in " + dir_ + "/policy.txt --key " + dir_ +
                    "/policy_key.bin --out " + dir_ + "/policy.bin",
                &st);
    ASSERT_EQ(st, 0) << out;
    pid_ = SpawnCertifier(dir_, dir_ + "/certifier.log", {}, &port_);
    ASSERT_NE(port_, 0) << "cf-certifier did not start";
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    int st = 0;
    if (getenv("CF_E2E_KEEP") == nullptr) Shell("rm -rf " + dir_, &st);
  }

  inline static std::string dir_, measurement_, other_measurement_;
  inline static pid_t pid_ = 0;
  inline static uint16_t port_ = 0;
};

inline CK_FUNCTION_LIST* Module() {
  static CK_FUNCTION_LIST* list = [] {
    setenv("CF_PKCS11_DEBUG", "1", 1);  // the module logs to stderr, which each test captures
    void* lib = dlopen(CF_PKCS11_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return static_cast<CK_FUNCTION_LIST*>(nullptr);
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    CK_FUNCTION_LIST* l = nullptr;
    return get != nullptr && get(&l) == CKR_OK ? l : nullptr;
  }();
  return list;
}

inline CK_UTF8CHAR_PTR Pin(const char* p) { return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(p)); }

// Counts the cf-certifier's admissions in a log file.
inline int Admissions(const std::string& log_path) {
  std::string s = TextOf(log_path);
  int n = 0;
  for (size_t at = 0; (at = s.find("admitted vse-attestation-package", at)) != std::string::npos; ++at) ++n;
  return n;
}

// A TCP port on 127.0.0.1 that is listening but never accepts or answers (a hung service), or refuses (closed).
struct SilentPort {
  int fd = -1;
  uint16_t port = 0;
  explicit SilentPort(bool listening) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    if (listening) listen(fd, 8);
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SilentPort() { close(fd); }
};

class LoginCert : public CertifierProcess {
 protected:
  void SetUp() override {
    f_ = Module();
    ASSERT_NE(f_, nullptr) << dlerror();
    static int n = 0;
    tok_ = dir_ + "/token-" + std::to_string(++n);
    log_path_ = tok_ + ".module.log";
    fflush(stderr);
    saved_stderr_ = dup(2);
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, 2);
    close(fd);
  }
  void TearDown() override {
    if (initialized_) f_->C_Finalize(nullptr);
    fflush(stderr);
    dup2(saved_stderr_, 2);
    close(saved_stderr_);
  }
  std::string ModuleLog() { return TextOf(log_path_); }

  // A token directory whose simulated platform is a copy of `platform` ("platform": trusted measurement,
  // "platform-other": a measurement the policy does not trust).
  void MakeToken(const std::string& platform) {
    int st = 0;
    std::string out = Shell("mkdir -p " + tok_ + " && cp -r " + dir_ + "/" + platform + " " + tok_ + "/platform", &st);
    ASSERT_EQ(st, 0) << out;
  }
  std::string Config(const std::string& mode, uint16_t port, const std::string& extra = "") {
    return "tokens { label: \"lc\" directory: \"" + tok_ + "\" pin_kdf_iterations: 1000 certification: " + mode +
           " certifier_address: \"127.0.0.1:" + std::to_string(port) + "\" policy_certificate: \"" + dir_ +
           "/policy_cert.der\" " + extra + " }";
  }
  CK_RV Init(const std::string& config) {
    if (initialized_) f_->C_Finalize(nullptr);
    config_ = config;
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    args.pReserved = const_cast<char*>(config_.c_str());
    CK_RV rv = f_->C_Initialize(&args);
    initialized_ = rv == CKR_OK;
    return rv;
  }
  // C_InitToken + C_InitPIN("1234") under `config` (certification plays no part for the SO).
  void InitToken(const std::string& config) {
    ASSERT_EQ(Init(config), CKR_OK);
    CK_UTF8CHAR label[32];
    std::memset(label, ' ', sizeof(label));
    ASSERT_EQ(f_->C_InitToken(0, Pin("12345678"), 8, label), CKR_OK);
    CK_SESSION_HANDLE s = Open();
    ASSERT_EQ(f_->C_Login(s, CKU_SO, Pin("12345678"), 8), CKR_OK);
    ASSERT_EQ(f_->C_InitPIN(s, Pin("1234"), 4), CKR_OK);
    ASSERT_EQ(f_->C_CloseSession(s), CKR_OK);
  }
  CK_SESSION_HANDLE Open() {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    EXPECT_EQ(f_->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), CKR_OK);
    return s;
  }
  CK_RV Login(CK_SESSION_HANDLE s, const char* pin = "1234") {
    return f_->C_Login(s, CKU_USER, Pin(pin), static_cast<CK_ULONG>(strlen(pin)));
  }
  std::vector<CK_OBJECT_HANDLE> Find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS c, const std::string& label) {
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &c, sizeof(c)},
                        {CKA_LABEL, const_cast<char*>(label.data()), static_cast<CK_ULONG>(label.size())}};
    std::vector<CK_OBJECT_HANDLE> out;
    EXPECT_EQ(f_->C_FindObjectsInit(s, t, 2), CKR_OK);
    CK_OBJECT_HANDLE buf[8];
    CK_ULONG n = 0;
    for (int i = 0; i < 8 && f_->C_FindObjects(s, buf, 8, &n) == CKR_OK && n > 0; ++i)
      out.insert(out.end(), buf, buf + n);
    EXPECT_EQ(f_->C_FindObjectsFinal(s), CKR_OK);
    return out;
  }
  Bytes Attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (f_->C_GetAttributeValue(s, h, &a, 1) != CKR_OK) return {};
    Bytes out(a.ulValueLen);
    a.pValue = out.data();
    EXPECT_EQ(f_->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
    return out;
  }
  // A P-256 key pair on the token; requires_admission sets CKA_CF_REQUIRES_ADMISSION on the private key.
  CK_OBJECT_HANDLE EcKey(CK_SESSION_HANDLE s, bool requires_admission) {
    unsigned char params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_BBOOL yes = CK_TRUE, req = requires_admission ? CK_TRUE : CK_FALSE;
    CK_ATTRIBUTE pub[] = {{CKA_EC_PARAMS, params, sizeof(params)}, {CKA_TOKEN, &yes, 1}};
    CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, 1}, {CKA_CF_REQUIRES_ADMISSION, &req, 1}};
    CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE pk = 0, sk = 0;
    EXPECT_EQ(f_->C_GenerateKeyPair(s, &m, pub, 2, priv, 2, &pk, &sk), CKR_OK);
    return sk;
  }
  CK_RV Sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key) {
    CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
    CK_RV rv = f_->C_SignInit(s, &m, key);
    if (rv != CKR_OK) return rv;
    unsigned char data[] = "to be signed", sig[128];
    CK_ULONG n = sizeof(sig);
    return f_->C_Sign(s, data, sizeof(data), sig, &n);
  }

  CK_FUNCTION_LIST* f_ = nullptr;
  std::string tok_, log_path_, config_;
  int saved_stderr_ = -1;
  bool initialized_ = false;
};

}  // namespace cf::attest
