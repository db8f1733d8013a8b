// A small PKCS#11 client for the configuration-independence tests: loads the module with dlopen, initialises a
// fresh token in $CF_PKCS11_TOKEN_DIR and wraps the calls the tests make. It asserts nothing; the tests do.
// Results are checked against a "referee": an OpenSSL library context of the test's own, so the application
// configuration under test (its default properties, its default engine) decides nothing about the verdict.
#pragma once

#include <openssl/evp.h>

#include <string>
#include <vector>

#include "pkcs11/include/pkcs11_types.h"

namespace cf::libctx_test {

using Bytes = std::vector<CK_BYTE>;

inline constexpr char kUserPin[] = "87654321";

// The test's own OpenSSL context with the default provider: where keys are made for import and signatures checked.
OSSL_LIB_CTX* Referee();

class TokenClient {
 public:
  // dlopen + C_GetFunctionList; "" on success, else what failed.
  std::string Load(const std::string& module_path);
  CK_RV Initialize();
  CK_RV Finalize();
  // C_InitToken, SO login, C_InitPIN on the first slot; leaves no session open.
  CK_RV InitToken(const char* label);
  // A RW session with the user logged in (C_Login may answer CKR_USER_ALREADY_LOGGED_IN: another session is).
  CK_RV UserSession(CK_SESSION_HANDLE* s);

  CK_RV GenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, std::vector<CK_ATTRIBUTE> pub,
                        CK_OBJECT_HANDLE* pub_key, CK_OBJECT_HANDLE* priv_key);
  // Imports a private key generated in Referee() (C_CreateObject from its components).
  CK_RV ImportPrivateKey(CK_SESSION_HANDLE s, EVP_PKEY* key, CK_OBJECT_HANDLE* out);
  CK_RV Sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data, Bytes* sig);
  CK_RV Verify(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig);
  CK_RV GetBytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, Bytes* out);
  // The public key of a token key pair rebuilt in Referee() from CKA_MODULUS/EXPONENT or CKA_EC_POINT; null if not.
  EVP_PKEY* RefereePublicKey(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_KEY_TYPE type);

  CK_FUNCTION_LIST_PTR f() const { return f_; }
  CK_SLOT_ID slot() const { return slot_; }

 private:
  void* handle_ = nullptr;
  CK_FUNCTION_LIST_PTR f_ = nullptr;
  CK_SLOT_ID slot_ = 0;
};

// A fresh key pair made in Referee() under the OID key-type names (a default engine cannot take those over):
// "RSA" (2048 bits) or "EC" (P-256).
EVP_PKEY* RefereeKeyPair(const char* type);

// OK when `sig` over `data` verifies with `key` in Referee(): RSA PKCS#1 v1.5 or ECDSA (DER, or raw r||s as PKCS#11
// returns it) over SHA-256, or Ed25519 (no digest).
bool RefereeVerifies(EVP_PKEY* key, const Bytes& data, const Bytes& sig);

// DER OIDs of the curves the tests use, as CKA_EC_PARAMS.
extern const Bytes kP256Params;
extern const Bytes kEd25519Params;

}  // namespace cf::libctx_test
