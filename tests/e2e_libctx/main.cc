// The test process plays the application: it loads its OpenSSL configuration ($OPENSSL_CONF, made hostile by the
// ctest entry) before anything else, then loads the module and initialises a fresh token in a temporary
// CF_PKCS11_TOKEN_DIR. CF_LIBCTX_HOSTILE names what the configuration does; the Environment test checks it did.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "token_env.h"

namespace cf::libctx_test {
namespace {

TokenClient* g_token = nullptr;
CK_SESSION_HANDLE g_session = 0;
std::string g_dir;

}  // namespace

TokenClient& Token() { return *g_token; }
CK_SESSION_HANDLE& Session() { return g_session; }

std::string SetUpToken() {
  std::string base = std::filesystem::temp_directory_path().string() + "/cf-libctx-XXXXXX";
  if (mkdtemp(base.data()) == nullptr) return "mkdtemp failed";
  g_dir = base;
  setenv("CF_PKCS11_TOKEN_DIR", g_dir.c_str(), 1);
  unsetenv("CF_PKCS11_CONF");
  g_token = new TokenClient();  // lives as long as the process (the module may be called from exit handlers)
  // CF_LIBCTX_MODULE runs the same tests against another build of the module (an older one, to see them fail).
  const char* other = getenv("CF_LIBCTX_MODULE");
  if (std::string err = g_token->Load(other != nullptr ? other : CF_PKCS11_MODULE); !err.empty()) return err;
  if (CK_RV rv = g_token->Initialize(); rv != CKR_OK) return "C_Initialize: " + std::to_string(rv);
  if (CK_RV rv = g_token->InitToken("libctx"); rv != CKR_OK) return "token set-up: " + std::to_string(rv);
  if (CK_RV rv = g_token->UserSession(&g_session); rv != CKR_OK) return "user session: " + std::to_string(rv);
  return "";
}

void RemoveToken() {
  if (!g_dir.empty()) std::filesystem::remove_all(g_dir);
}

}  // namespace cf::libctx_test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // What an application does first (nginx, openssl(1)): read OPENSSL_CONF into the default context.
  if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr) != 1) {
    std::fprintf(stderr, "OpenSSL could not load the configuration %s\n", getenv("OPENSSL_CONF"));
    return 1;
  }
  std::string err = cf::libctx_test::SetUpToken();
  if (!err.empty()) {
    std::fprintf(stderr, "set-up failed: %s\n", err.c_str());
    cf::libctx_test::RemoveToken();
    return 1;
  }
  int rc = RUN_ALL_TESTS();
  cf::libctx_test::Token().Finalize();
  cf::libctx_test::RemoveToken();
  return rc;
}
