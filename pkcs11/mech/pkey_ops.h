// Operations over an asymmetric EVP_PKEY shared read-only by every thread: sign, verify, encrypt, decrypt.
// Families describe the mechanism in a config (digest, padding setup, lengths, signature encoding); each
// operation makes its own EVP_MD_CTX / EVP_PKEY_CTX so no lock is ever needed on the hot path.
#pragma once

#include <functional>
#include <memory>

#include "pkcs11/mech/key_material.h"
#include "pkcs11/mech/operation.h"

namespace cf::p11 {

enum class SignMode {
  kDigestThenSign,  // CKM_SHA256_RSA_PKCS, CKM_ECDSA_SHA256...: multi-part through EVP_DigestSign*
  kRaw,             // CKM_RSA_PKCS, CKM_ECDSA, CKM_RSA_PKCS_PSS: the input is the (encoded) hash, single-part
  kOneShotMessage,  // CKM_EDDSA: the whole message in one EVP_DigestSign call, single-part
};

struct SignConfig {
  SignMode mode = SignMode::kRaw;
  const EVP_MD* md = nullptr;  // kDigestThenSign only
  // Padding and its parameters on the per-operation EVP_PKEY_CTX (RSA); may be empty.
  std::function<Status(EVP_PKEY_CTX*)> configure;
  size_t min_input = 0;  // kRaw: CKR_DATA_LEN_RANGE outside [min_input, max_input]
  size_t max_input = SIZE_MAX;
  size_t signature_len = 0;          // exact length of every signature (RSA modulus, 2 x ECDSA field, 64/114)
  bool ecdsa_raw_signature = false;  // OpenSSL's DER ECDSA-Sig <-> PKCS#11 r||s, each half signature_len/2
};

// kSign or kVerify over key (a private key for signing). The config is checked by the family; this only runs it.
std::unique_ptr<Operation> MakeSignOperation(OpKind kind, std::shared_ptr<EVP_PKEY> key, SignConfig config);

struct PkeyCipherConfig {
  std::function<Status(EVP_PKEY_CTX*)> configure;  // padding (PKCS#1 v1.5, OAEP + hash + label)
  size_t max_plaintext = 0;                        // encrypt: CKR_DATA_LEN_RANGE above this
  size_t modulus_len = 0;                          // ciphertext length, exact
};

// kEncrypt or kDecrypt, single-part. Decrypt failures are all CKR_ENCRYPTED_DATA_INVALID with one message, so the
// caller cannot tell padding errors apart (Bleichenbacher / Marvin); see rsa.cc for what OpenSSL 3.0 lacks.
std::unique_ptr<Operation> MakePkeyCipherOperation(OpKind kind, std::shared_ptr<EVP_PKEY> key, PkeyCipherConfig config);

}  // namespace cf::p11
