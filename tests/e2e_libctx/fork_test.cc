// The private OpenSSL context across fork and re-initialisation (ARCHITECTURE.md "Threads, processes, fork"): a
// child signs with what it inherited, a child that calls C_Initialize again signs with its fresh module, and
// C_Finalize (which frees the context) followed by C_Initialize (which opens a new one) leaves the token usable.
// Children leave with _exit: their exit handlers are the parent's.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "token_env.h"

namespace cf::libctx_test {
namespace {

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
const Bytes kData = {'f', 'o', 'r', 'k'};

struct EcPair {
  CK_OBJECT_HANDLE pub = 0, priv = 0;
};

EcPair MakeEcPair() {
  EcPair p;
  CK_BBOOL yes = CK_TRUE;
  std::vector<CK_ATTRIBUTE> pub = {{CKA_VERIFY, &yes, sizeof(yes)},
                                   {CKA_TOKEN, &yes, sizeof(yes)},
                                   {CKA_EC_PARAMS, const_cast<CK_BYTE*>(kP256Params.data()), kP256Params.size()}};
  EXPECT_EQ(Token().GenerateKeyPair(Session(), CKM_EC_KEY_PAIR_GEN, pub, &p.pub, &p.priv), CKR_OK);
  return p;
}

// 0 when `session` signs with `pair` and OpenSSL verifies it; a distinct code per failing step otherwise.
int SignsAndVerifies(CK_SESSION_HANDLE session, const EcPair& pair) {
  Bytes sig;
  if (Token().Sign(session, CKM_ECDSA_SHA256, pair.priv, kData, &sig) != CKR_OK) return 10;
  PKey key(Token().RefereePublicKey(session, pair.pub, CKK_EC), EVP_PKEY_free);
  if (!key) return 11;
  return RefereeVerifies(key.get(), kData, sig) ? 0 : 12;
}

// Runs `child` in a forked process and returns its exit code (-1: killed after 60 s or not exited normally).
int InChild(const std::function<int()>& child) {
  pid_t pid = fork();
  if (pid == 0) _exit(child());
  if (pid < 0) return -1;
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Fork, ChildSignsWithInheritedSessionAndHandles) {
  EcPair pair = MakeEcPair();
  EXPECT_EQ(InChild([&] { return SignsAndVerifies(Session(), pair); }), 0);
  EXPECT_EQ(SignsAndVerifies(Session(), pair), 0) << "the parent after fork";
}

TEST(Fork, ChildThatInitializesAgainSigns) {
  EcPair pair = MakeEcPair();
  int rc = InChild([&] {
    if (Token().Initialize() != CKR_OK) return 20;
    CK_SESSION_HANDLE s = 0;
    if (Token().UserSession(&s) != CKR_OK) return 21;
    int signed_ok = SignsAndVerifies(s, pair);  // handles are stable across re-initialisation
    if (signed_ok != 0) return signed_ok;
    // Finalize and initialize once more in the child: the context its parent's keys live in must stay.
    if (Token().Finalize() != CKR_OK || Token().Initialize() != CKR_OK) return 22;
    if (Token().UserSession(&s) != CKR_OK) return 23;
    return SignsAndVerifies(s, pair);
  });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(SignsAndVerifies(Session(), pair), 0) << "the parent after its child re-initialised";
}

TEST(Reinitialize, FinalizeFreesAndInitializeReopensTheContext) {
  EcPair pair = MakeEcPair();
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    ASSERT_EQ(Token().Finalize(), CKR_OK);
    ASSERT_EQ(Token().Initialize(), CKR_OK);
    ASSERT_EQ(Token().UserSession(&Session()), CKR_OK);
    EXPECT_EQ(SignsAndVerifies(Session(), pair), 0);
  }
}

}  // namespace
}  // namespace cf::libctx_test
