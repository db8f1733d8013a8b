// AES key wrap: CKM_AES_KEY_WRAP (RFC 3394, input a multiple of 8 bytes, at least 16) and CKM_AES_KEY_WRAP_KWP
// (RFC 5649, any length), single-part, for wrap/unwrap and encrypt/decrypt. An optional parameter is the IV
// (8 bytes for KW, 4 for KWP); without one the RFC default IV is used.
// CKM_AES_KEY_WRAP_PAD (0x210A) is not offered: PKCS#11 3.0 defines it as PKCS#7 padding + RFC 3394 while
// SoftHSMv2 implements RFC 5649 under that number, so either meaning would surprise someone; KWP is unambiguous.
#include <openssl/err.h>

#include "common/ossl.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/mech/aes_ciphers.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

class KeyWrapOperation final : public Operation {
 public:
  KeyWrapOperation(OpKind kind, bool pad, ossl::CipherCtx ctx, std::shared_ptr<const SecureBytes> key)
      : kind_(kind), pad_(pad), ctx_(std::move(ctx)), key_(std::move(key)) {}

  bool wraps() const { return kind_ == OpKind::kEncrypt || kind_ == OpKind::kWrap; }
  bool multi_part() const override { return false; }
  size_t MaxOutputLength(size_t input_len) const override {
    size_t n = buffer_.size() + input_len;
    return wraps() ? (n + 7) / 8 * 8 + 8 : n;
  }
  Status Update(ByteView input, SecureBytes*) override {
    buffer_.insert(buffer_.end(), input.begin(), input.end());
    return Status::Ok();
  }
  Status VerifyFinal(ByteView) override { return Rv(CKR_OPERATION_NOT_INITIALIZED, "not a verify operation"); }

  Status Final(SecureBytes* out) override {
    size_t n = buffer_.size();
    if (wraps()) {
      bool ok = pad_ ? n >= 1 : (n >= 16 && n % 8 == 0);
      if (!ok) {
        return Rv(CKR_DATA_LEN_RANGE, std::to_string(n) + " bytes to wrap; " +
                                          (pad_ ? "KWP needs at least 1"
                                                : "KW needs a multiple of 8, at least 16 "
                                                  "(use CKM_AES_KEY_WRAP_KWP)"));
      }
    } else if (n < 16 || n % 8 != 0) {
      return Rv(kind_ == OpKind::kUnwrap ? CKR_WRAPPED_KEY_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE,
                "wrapped data of " + std::to_string(n) + " bytes; must be a multiple of 8, at least 16");
    }
    SecureBytes result(n + 16);
    int len = 0, final_len = 0;
    if (EVP_CipherUpdate(ctx_.get(), result.data(), &len, buffer_.data(), static_cast<int>(n)) != 1 ||
        EVP_CipherFinal_ex(ctx_.get(), result.data() + len, &final_len) != 1) {
      if (wraps()) return ossl::Error("AES key wrap");
      ERR_clear_error();
      return Rv(kind_ == OpKind::kUnwrap ? CKR_WRAPPED_KEY_INVALID : CKR_ENCRYPTED_DATA_INVALID,
                "AES key unwrap integrity check failed (wrong key or damaged data)");
    }
    out->insert(out->end(), result.begin(), result.begin() + len + final_len);
    return Status::Ok();
  }

 private:
  OpKind kind_;
  bool pad_;
  ossl::CipherCtx ctx_;
  std::shared_ptr<const SecureBytes> key_;
  SecureBytes buffer_;
};

std::function<Result<std::unique_ptr<Operation>>(OpKind, const CK_MECHANISM&, const KeyMaterial*)> Wrap(
    const char* name, bool pad) {
  return [name, pad](OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) -> Result<std::unique_ptr<Operation>> {
    if (kind != OpKind::kEncrypt && kind != OpKind::kDecrypt && kind != OpKind::kWrap && kind != OpKind::kUnwrap) {
      return Rv(CKR_MECHANISM_INVALID, std::string(name) + " only wraps, unwraps, encrypts and decrypts");
    }
    size_t iv_len = pad ? 4 : 8;
    const uint8_t* iv = nullptr;
    if (m.pParameter != nullptr && m.ulParameterLen != 0) {
      if (m.ulParameterLen != iv_len) {
        return Rv(CKR_MECHANISM_PARAM_INVALID, std::string(name) + ": IV must be " + std::to_string(iv_len) +
                                                   " bytes, got " + std::to_string(m.ulParameterLen));
      }
      iv = static_cast<const uint8_t*>(m.pParameter);
    }
    CF_ASSIGN_OR_RETURN(auto secret, AesKeyFor(key, name));
    bool encrypt = kind == OpKind::kEncrypt || kind == OpKind::kWrap;
    ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return ossl::Error("allocating a cipher context");
    // Wrap modes are refused by EVP unless the caller says it knows they are single-shot.
    EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (EVP_CipherInit_ex2(ctx.get(), AesCipher(pad ? "WRAP-PAD" : "WRAP", secret->size()), secret->data(), iv,
                           encrypt ? 1 : 0, nullptr) != 1) {
      return ossl::Error(std::string("starting ") + name);
    }
    return std::unique_ptr<Operation>(new KeyWrapOperation(kind, pad, std::move(ctx), std::move(secret)));
  };
}

}  // namespace

void RegisterAesWrap(Registry& registry) {
  constexpr CK_FLAGS kFlags = CKF_WRAP | CKF_UNWRAP | CKF_ENCRYPT | CKF_DECRYPT;
  registry.Add({.type = CKM_AES_KEY_WRAP,
                .name = "CKM_AES_KEY_WRAP",
                .info = {16, 32, kFlags},
                .key_types = {CKK_AES},
                .create = Wrap("CKM_AES_KEY_WRAP", false)});
  registry.Add({.type = CKM_AES_KEY_WRAP_KWP,
                .name = "CKM_AES_KEY_WRAP_KWP",
                .info = {16, 32, kFlags},
                .key_types = {CKK_AES},
                .create = Wrap("CKM_AES_KEY_WRAP_KWP", true)});
}

}  // namespace cf::p11
