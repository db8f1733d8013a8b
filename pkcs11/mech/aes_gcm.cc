// CKM_AES_GCM (CK_GCM_PARAMS: IV 1..128 bytes, AAD, tag 32/64/96..128 bits). Encryption streams and appends the
// tag at Final. Decryption buffers the whole ciphertext and releases plaintext only after the tag verifies, so a
// forged message never yields a byte (CKR_ENCRYPTED_DATA_INVALID, empty output).
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include <algorithm>
#include <climits>

#include "common/ossl.h"
#include "pkcs11/mech/aes_ciphers.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

// PKCS#11 allows IVs up to 2^32-1 bits; OpenSSL's GCM takes at most 128 bytes (GCM_IV_MAX_SIZE, 1024 bits).
// Beyond that it fails at init, which reached the caller as CKR_GENERAL_ERROR (issue 11): check here instead.
constexpr size_t kMaxIv = 128;
// EVP_CipherUpdate takes the AAD length as an int.
constexpr CK_ULONG kMaxAad = INT_MAX;
// Decryption buffers the message; above this the caller must use a streaming construction (not GCM on a token).
constexpr size_t kMaxDecryptInput = 256 * 1024 * 1024;

class GcmOperation final : public Operation {
 public:
  GcmOperation(bool encrypt, ossl::CipherCtx ctx, std::shared_ptr<const SecureBytes> key, size_t tag_len)
      : encrypt_(encrypt), ctx_(std::move(ctx)), key_(std::move(key)), tag_len_(tag_len) {}

  bool multi_part() const override { return true; }
  size_t MaxOutputLength(size_t input_len) const override {
    return encrypt_ ? input_len + tag_len_ : buffer_.size() + input_len;
  }

  Status Update(ByteView input, SecureBytes* out) override {
    if (!encrypt_) {
      if (buffer_.size() + input.size() > kMaxDecryptInput) {
        return Rv(CKR_ENCRYPTED_DATA_LEN_RANGE, "GCM ciphertext over " + std::to_string(kMaxDecryptInput) +
                                                    " bytes cannot be held until its tag is checked");
      }
      buffer_.insert(buffer_.end(), input.begin(), input.end());
      return Status::Ok();
    }
    size_t at = out->size();
    out->resize(at + input.size());
    int len = 0;
    if (EVP_EncryptUpdate(ctx_.get(), out->data() + at, &len, input.data(), static_cast<int>(input.size())) != 1) {
      out->resize(at);
      return ossl::Error("AES-GCM encrypt");
    }
    out->resize(at + static_cast<size_t>(len));
    return Status::Ok();
  }

  Status Final(SecureBytes* out) override { return encrypt_ ? FinalEncrypt(out) : FinalDecrypt(out); }

  // Single-part: ciphertext straight into the caller's buffer; decryption reads the caller's input in place (no
  // buffered copy) and wipes what it wrote when the tag fails, so a forged message still yields nothing.
  bool one_shot_into() const override { return true; }
  Result<size_t> OneShotInto(ByteView input, std::span<uint8_t> out) override {
    if (!encrypt_ && !buffer_.empty()) {
      CF_RETURN_IF_ERROR(Update(input, nullptr));
      return DecryptInto(ByteView(buffer_.data(), buffer_.size()), out);
    }
    if (!encrypt_) return DecryptInto(input, out);
    int len = 0, final_len = 0;
    if (EVP_EncryptUpdate(ctx_.get(), out.data(), &len, input.data(), static_cast<int>(input.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx_.get(), out.data() + len, &final_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_len_),
                            out.data() + len + final_len) != 1) {
      return ossl::Error("AES-GCM encrypt");
    }
    return static_cast<size_t>(len + final_len) + tag_len_;
  }
  Status VerifyFinal(ByteView) override { return Rv(CKR_OPERATION_NOT_INITIALIZED, "not a verify operation"); }

 private:
  Status FinalEncrypt(SecureBytes* out) {
    uint8_t tag[16];
    int len = 0;
    if (EVP_EncryptFinal_ex(ctx_.get(), tag, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_len_), tag) != 1) {
      return ossl::Error("AES-GCM final");
    }
    out->insert(out->end(), tag, tag + tag_len_);
    return Status::Ok();
  }

  Status FinalDecrypt(SecureBytes* out) {
    if (buffer_.size() < tag_len_) {
      return Rv(CKR_ENCRYPTED_DATA_LEN_RANGE, "GCM input of " + std::to_string(buffer_.size()) +
                                                  " bytes is shorter than its " + std::to_string(tag_len_) +
                                                  "-byte tag");
    }
    size_t body = buffer_.size() - tag_len_;
    SecureBytes plain(body + 16);
    int len = 0, final_len = 0;
    if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_len_), buffer_.data() + body) !=
            1 ||
        EVP_DecryptUpdate(ctx_.get(), plain.data(), &len, buffer_.data(), static_cast<int>(body)) != 1) {
      return ossl::Error("AES-GCM decrypt");
    }
    if (EVP_DecryptFinal_ex(ctx_.get(), plain.data() + len, &final_len) != 1) {
      ERR_clear_error();
      return Rv(CKR_ENCRYPTED_DATA_INVALID, "AES-GCM tag does not verify (wrong key, IV, AAD or data)");
    }
    out->insert(out->end(), plain.begin(), plain.begin() + len + final_len);
    return Status::Ok();
  }

  // Decrypts ciphertext || tag into out (at least its body long); wipes out on any failure.
  Result<size_t> DecryptInto(ByteView message, std::span<uint8_t> out) {
    if (message.size() > kMaxDecryptInput) {
      return Rv(CKR_ENCRYPTED_DATA_LEN_RANGE, "GCM ciphertext over " + std::to_string(kMaxDecryptInput) +
                                                  " bytes cannot be held until its tag is checked");
    }
    if (message.size() < tag_len_) {
      return Rv(CKR_ENCRYPTED_DATA_LEN_RANGE, "GCM input of " + std::to_string(message.size()) +
                                                  " bytes is shorter than its " + std::to_string(tag_len_) +
                                                  "-byte tag");
    }
    size_t body = message.size() - tag_len_;
    // The tag ctrl takes a non-const pointer but only reads it; copy it so the caller's input stays untouched.
    uint8_t tag[16];
    std::copy(message.begin() + static_cast<std::ptrdiff_t>(body), message.end(), tag);
    int len = 0, final_len = 0;
    if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_len_), tag) != 1 ||
        EVP_DecryptUpdate(ctx_.get(), out.data(), &len, message.data(), static_cast<int>(body)) != 1) {
      OPENSSL_cleanse(out.data(), body);
      return ossl::Error("AES-GCM decrypt");
    }
    if (EVP_DecryptFinal_ex(ctx_.get(), out.data() + len, &final_len) != 1) {
      OPENSSL_cleanse(out.data(), body);
      ERR_clear_error();
      return Rv(CKR_ENCRYPTED_DATA_INVALID, "AES-GCM tag does not verify (wrong key, IV, AAD or data)");
    }
    return static_cast<size_t>(len + final_len);
  }

  bool encrypt_;
  ossl::CipherCtx ctx_;
  std::shared_ptr<const SecureBytes> key_;
  size_t tag_len_;
  SecureBytes buffer_;  // decrypt: ciphertext || tag, until Final
};

bool TagBitsAllowed(CK_ULONG bits) {
  // SP 800-38D 5.2.1.2: 128, 120, 112, 104, 96, and 64 or 32 for special uses.
  return bits == 32 || bits == 64 || (bits >= 96 && bits <= 128 && bits % 8 == 0);
}

Result<std::unique_ptr<Operation>> CreateGcm(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) {
  if (kind != OpKind::kEncrypt && kind != OpKind::kDecrypt) {
    return Rv(CKR_MECHANISM_INVALID, "CKM_AES_GCM only encrypts and decrypts");
  }
  CF_ASSIGN_OR_RETURN(const CK_GCM_PARAMS* p, ParamAs<CK_GCM_PARAMS>(m, "CKM_AES_GCM", "CK_GCM_PARAMS"));
  if (p->pIv == nullptr || p->ulIvLen < 1 || p->ulIvLen > kMaxIv || !TagBitsAllowed(p->ulTagBits) ||
      (p->ulAADLen > 0 && p->pAAD == nullptr) || p->ulAADLen > kMaxAad) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "CKM_AES_GCM: IV " + std::to_string(p->ulIvLen) +
                                               " bytes (1..128), "
                                               "tag " +
                                               std::to_string(p->ulTagBits) +
                                               " bits (32, 64, 96..128 by 8)"
                                               ", AAD " +
                                               std::to_string(p->ulAADLen) + " bytes");
  }
  CF_ASSIGN_OR_RETURN(auto secret, AesKeyFor(key, "CKM_AES_GCM"));
  bool encrypt = kind == OpKind::kEncrypt;
  size_t iv_len = p->ulIvLen;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
                         OSSL_PARAM_construct_end()};
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  int aad_len = 0;
  if (!ctx) return ossl::Error("allocating an AES-GCM context");
  // Everything OpenSSL checks here came from the caller's CK_GCM_PARAMS: a refusal is about the parameter, not
  // the token (CKR_GENERAL_ERROR would tell the application to give up on the token).
  if (EVP_CipherInit_ex2(ctx.get(), AesCipher("GCM", secret->size()), nullptr, nullptr, encrypt, params) != 1 ||
      EVP_CipherInit_ex2(ctx.get(), nullptr, secret->data(), p->pIv, encrypt, nullptr) != 1 ||
      (p->ulAADLen > 0 &&
       EVP_CipherUpdate(ctx.get(), nullptr, &aad_len, p->pAAD, static_cast<int>(p->ulAADLen)) != 1)) {
    ERR_clear_error();
    return Rv(CKR_MECHANISM_PARAM_INVALID, "CKM_AES_GCM: OpenSSL refused IV " + std::to_string(p->ulIvLen) +
                                               " bytes / AAD " + std::to_string(p->ulAADLen) + " bytes");
  }
  return std::unique_ptr<Operation>(new GcmOperation(encrypt, std::move(ctx), std::move(secret), p->ulTagBits / 8));
}

}  // namespace

void RegisterAesGcm(Registry& registry) {
  registry.Add({.type = CKM_AES_GCM,
                .name = "CKM_AES_GCM",
                .info = {16, 32, CKF_ENCRYPT | CKF_DECRYPT},
                .key_types = {CKK_AES},
                .create = CreateGcm});
}

}  // namespace cf::p11
