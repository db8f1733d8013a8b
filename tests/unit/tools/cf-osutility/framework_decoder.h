// The framework's file format decoded and encoded from the fixture README's facts alone, with OpenSSL directly,
// so tests check what cf-osutility wrote without going through its code: protected_blob_message {sealed key,
// data}; the key sealed with aes-256-cbc-hmac-sha256 under the simulated enclave's constant key (byte i = 5*i mod 16)
// over measurement || key_message; the data under that key (aes-256-gcm or aes-256-cbc-hmac-sha256).
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <string>

#include "proto/certifier.pb.h"

namespace cf::osutil::testing {

inline std::string ConstantKey() {
  std::string key(64, '\0');
  for (int i = 0; i < 64; ++i) key[i] = static_cast<char>((5 * i) % 16);
  return key;
}

inline std::string CbcHmacOpen(const std::string& key, const std::string& in) {
  if (in.size() < 64) return "";
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data() + 32, 32, reinterpret_cast<const unsigned char*>(in.data()), in.size() - 32, mac, &len);
  if (memcmp(mac, in.data() + in.size() - 32, 32) != 0) return "";
  std::string out(in.size(), '\0');
  int n = 0, f = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                               reinterpret_cast<const unsigned char*>(in.data())) == 1 &&
            EVP_DecryptUpdate(ctx, o, &n, reinterpret_cast<const unsigned char*>(in.data()) + 16,
                              static_cast<int>(in.size() - 48)) == 1 &&
            EVP_DecryptFinal_ex(ctx, o + n, &f) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok ? out.substr(0, n + f) : "";
}

inline std::string CbcHmacSeal(const std::string& key, const std::string& in) {
  std::string out(16 + in.size() + 16 + 32, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  RAND_bytes(o, 16);
  int n = 0, f = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, reinterpret_cast<const unsigned char*>(key.data()), o);
  EVP_EncryptUpdate(ctx, o + 16, &n, reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  EVP_EncryptFinal_ex(ctx, o + 16 + n, &f);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(16 + n + f);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data() + 32, 32, o, out.size(), mac, &len);
  return out + std::string(reinterpret_cast<char*>(mac), 32);
}

inline std::string GcmOpen(const std::string& key, const std::string& in) {
  if (in.size() < 28) return "";
  std::string out(in.size() - 28, '\0');
  int n = 0, f = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  auto* i = reinterpret_cast<const unsigned char*>(in.data());
  bool ok =
      EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()), i) == 1 &&
      EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n, i + 12, static_cast<int>(out.size())) ==
          1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, const_cast<unsigned char*>(i + in.size() - 16)) == 1 &&
      EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &f) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok ? out : "";
}

// The plaintext of a framework file sealed on the simulated enclave with `measurement`; "" when it does not open.
// *key_type receives the file key's algorithm.
inline std::string DecodeFrameworkFile(const std::string& file, const std::string& measurement,
                                       std::string* key_type = nullptr) {
  wire::protected_blob_message blob;
  if (!blob.ParseFromString(file)) return "";
  std::string sealed = CbcHmacOpen(ConstantKey(), blob.encrypted_key());
  if (sealed.compare(0, measurement.size(), measurement) != 0) return "";
  wire::key_message key;
  if (!key.ParseFromString(sealed.substr(measurement.size()))) return "";
  if (key_type != nullptr) *key_type = key.key_type();
  if (key.key_type() == "aes-256-gcm") return GcmOpen(key.secret_key_bits(), blob.encrypted_data());
  if (key.key_type() == "aes-256-cbc-hmac-sha256") return CbcHmacOpen(key.secret_key_bits(), blob.encrypted_data());
  return "";
}

// A framework file (cbc-hmac file key) holding `plaintext`, as the framework's simulated enclave would seal it.
inline std::string EncodeFrameworkFile(const std::string& plaintext, const std::string& measurement) {
  std::string file_key(64, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(file_key.data()), 64);
  wire::key_message key;
  key.set_key_name("cryptstore-sealing-key");
  key.set_key_type("aes-256-cbc-hmac-sha256");
  key.set_key_format("vse-key");
  key.set_secret_key_bits(file_key);
  wire::protected_blob_message blob;
  blob.set_encrypted_key(CbcHmacSeal(ConstantKey(), measurement + key.SerializeAsString()));
  blob.set_encrypted_data(CbcHmacSeal(file_key, plaintext));
  return blob.SerializeAsString();
}

}  // namespace cf::osutil::testing
