// The framework's two authenticated encryption layouts, through the module's private OpenSSL context. The MAC is
// checked (constant time) before any decryption, so a changed byte never reaches the padding check.
#include "common/cf_cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/aead.h"
#include "common/ossl.h"
#include "common/ossl_context.h"
#include "common/random.h"

namespace cf::cfcipher {
namespace {

constexpr size_t kIvSize = 16;
constexpr size_t kMacSize = 32;
constexpr size_t kAesKeySize = 32;

Status CheckKey(std::string_view algorithm, ByteView key) {
  size_t want = KeySize(algorithm);
  if (want == 0)
    return Status(Code::kInvalidArgument, "the framework's cipher '" + std::string(algorithm) +
                                              "' is not supported; use aes-256-cbc-hmac-sha256 or aes-256-gcm");
  if (key.size() != want)
    return Status(Code::kInvalidArgument, std::string(algorithm) + " needs a " + std::to_string(want) +
                                              "-byte key, got " + std::to_string(key.size()));
  return Status::Ok();
}

Result<ossl::Cipher> FetchCbc() {
  ossl::Cipher cipher(EVP_CIPHER_fetch(ossl::LibCtx(), "AES-256-CBC", ossl::kPropQuery));
  if (!cipher) return ossl::Error("fetching AES-256-CBC");
  return cipher;
}

Result<Bytes> CbcCrypt(bool encrypt, ByteView aes_key, ByteView iv, ByteView in) {
  CF_ASSIGN_OR_RETURN(ossl::Cipher cipher, FetchCbc());
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  Bytes out(in.size() + kIvSize);
  int len = 0, final_len = 0;
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), cipher.get(), aes_key.data(), iv.data(), encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return Status(Code::kCorrupt, std::string("AES-256-CBC ") + (encrypt ? "encryption" : "decryption") + " failed");
  }
  out.resize(static_cast<size_t>(len + final_len));
  return out;
}

Result<Bytes> EncryptCbcHmac(ByteView key, ByteView plaintext) {
  ByteView aes_key = key.subspan(0, kAesKeySize), mac_key = key.subspan(kAesKeySize);
  CF_ASSIGN_OR_RETURN(Bytes out, RandomBytes(kIvSize));
  CF_ASSIGN_OR_RETURN(Bytes body, CbcCrypt(true, aes_key, out, plaintext));
  out.insert(out.end(), body.begin(), body.end());
  CF_ASSIGN_OR_RETURN(Bytes mac, HmacSha256(mac_key, out));
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

Result<SecureBytes> DecryptCbcHmac(ByteView key, ByteView sealed) {
  if (sealed.size() < kIvSize + kIvSize + kMacSize || (sealed.size() - kIvSize - kMacSize) % kIvSize != 0)
    return Status(Code::kCorrupt, "aes-256-cbc-hmac-sha256 data of " + std::to_string(sealed.size()) +
                                      " bytes is not IV + whole blocks + MAC: truncated or damaged");
  ByteView aes_key = key.subspan(0, kAesKeySize), mac_key = key.subspan(kAesKeySize);
  ByteView authenticated = sealed.subspan(0, sealed.size() - kMacSize);
  CF_ASSIGN_OR_RETURN(Bytes mac, HmacSha256(mac_key, authenticated));
  if (CRYPTO_memcmp(mac.data(), sealed.data() + authenticated.size(), kMacSize) != 0)
    return Status(Code::kCorrupt, "aes-256-cbc-hmac-sha256 MAC does not verify (changed data or wrong key)");
  CF_ASSIGN_OR_RETURN(Bytes plain,
                      CbcCrypt(false, aes_key, sealed.subspan(0, kIvSize), authenticated.subspan(kIvSize)));
  SecureBytes out(plain.begin(), plain.end());
  OPENSSL_cleanse(plain.data(), plain.size());
  return out;
}

}  // namespace

size_t KeySize(std::string_view algorithm) {
  if (algorithm == kCbcHmacSha256) return 64;
  if (algorithm == kGcm) return aead::kKeySize;
  return 0;
}

Result<Bytes> Encrypt(std::string_view algorithm, ByteView key, ByteView plaintext) {
  CF_RETURN_IF_ERROR(CheckKey(algorithm, key));
  if (algorithm == kGcm) return aead::Seal(key, plaintext, {});
  return EncryptCbcHmac(key, plaintext);
}

Result<SecureBytes> Decrypt(std::string_view algorithm, ByteView key, ByteView sealed) {
  CF_RETURN_IF_ERROR(CheckKey(algorithm, key));
  if (algorithm == kGcm) return aead::Open(key, sealed, {});
  return DecryptCbcHmac(key, sealed);
}

Result<Bytes> HmacSha256(ByteView key, ByteView data) {
  ossl::Mac mac(EVP_MAC_fetch(ossl::LibCtx(), "HMAC", ossl::kPropQuery));
  if (!mac) return ossl::Error("fetching HMAC");
  ossl::MacCtx ctx(EVP_MAC_CTX_new(mac.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  Bytes out(kMacSize);
  size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != kMacSize)
    return ossl::Error("HMAC-SHA256");
  return out;
}

}  // namespace cf::cfcipher
