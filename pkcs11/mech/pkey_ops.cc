// Sign/verify/encrypt/decrypt operations over a shared EVP_PKEY (see pkey_ops.h). Per-operation contexts only.
#include "pkcs11/mech/pkey_ops.h"

#include <openssl/err.h>

#include <array>

#include "common/ossl.h"
#include "common/ossl_context.h"
#include "pkcs11/mech/ecdsa_signature.h"

namespace cf::p11 {
namespace {

// An error ends the operation (PKCS#11 5.2); the session drops us, so no state needs resetting here.
class SignOperation final : public Operation {
 public:
  SignOperation(OpKind kind, std::shared_ptr<EVP_PKEY> key, SignConfig config)
      : kind_(kind), key_(std::move(key)), config_(std::move(config)) {}

  bool multi_part() const override { return config_.mode == SignMode::kDigestThenSign; }
  size_t MaxOutputLength(size_t) const override { return kind_ == OpKind::kSign ? config_.signature_len : 0; }

  Status Update(ByteView input, SecureBytes*) override {
    if (config_.mode != SignMode::kDigestThenSign) {
      buffer_.insert(buffer_.end(), input.begin(), input.end());
      if (buffer_.size() > config_.max_input) return InputRange();
      return Status::Ok();
    }
    CF_RETURN_IF_ERROR(StartDigest());
    int ok = kind_ == OpKind::kSign ? EVP_DigestSignUpdate(md_ctx_.get(), input.data(), input.size())
                                    : EVP_DigestVerifyUpdate(md_ctx_.get(), input.data(), input.size());
    if (ok != 1) return ossl::Error("hashing the data to sign");
    return Status::Ok();
  }

  Status Final(SecureBytes* out) override { return SignOver(buffer_, out); }

  // C_Sign: raw and one-shot modes sign the caller's buffer directly, without the copy Update would make.
  Status OneShot(ByteView input, SecureBytes* out) override {
    if (config_.mode == SignMode::kDigestThenSign) return Operation::OneShot(input, out);
    return SignOver(input, out);
  }

  Status VerifyFinal(ByteView signature) override {
    if (kind_ != OpKind::kVerify) return Rv(CKR_OPERATION_NOT_INITIALIZED, "VerifyFinal on a sign operation");
    if (signature.size() != config_.signature_len) {
      return Rv(CKR_SIGNATURE_LEN_RANGE, "signature is " + std::to_string(signature.size()) + " bytes, expected " +
                                             std::to_string(config_.signature_len));
    }
    Bytes der;
    if (config_.ecdsa_raw_signature) {
      CF_ASSIGN_OR_RETURN(der, EcdsaRawToDer(signature));
      signature = der;
    }
    int ok = 0;
    switch (config_.mode) {
      case SignMode::kDigestThenSign:
        CF_RETURN_IF_ERROR(StartDigest());
        ok = EVP_DigestVerifyFinal(md_ctx_.get(), signature.data(), signature.size());
        break;
      case SignMode::kRaw: {
        if (buffer_.size() < config_.min_input || buffer_.size() > config_.max_input) return InputRange();
        CF_ASSIGN_OR_RETURN(ossl::PKeyCtx ctx, PkeyCtx());
        ok = EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), buffer_.data(), buffer_.size());
        break;
      }
      case SignMode::kOneShotMessage: {
        ossl::MdCtx ctx(EVP_MD_CTX_new());
        if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, ossl::LibCtx(), ossl::kPropQuery, key_.get(),
                                            nullptr) != 1) {
          return ossl::Error("starting verification");
        }
        ok = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), buffer_.data(), buffer_.size());
        break;
      }
    }
    if (ok != 1) {
      ERR_clear_error();  // a bad signature is an answer, not an OpenSSL failure worth logging
      return Rv(CKR_SIGNATURE_INVALID, "signature does not verify");
    }
    return Status::Ok();
  }

 private:
  Status SignOver(ByteView data, SecureBytes* out) {
    if (kind_ != OpKind::kSign) return Rv(CKR_OPERATION_NOT_INITIALIZED, "Final on a verify operation");
    // On the stack: the largest signature is RSA-16384 (2048 bytes); DER ECDSA-Sig adds at most 9 bytes to r||s.
    std::array<uint8_t, 2048 + 16> sig;
    size_t len = sig.size();
    switch (config_.mode) {
      case SignMode::kDigestThenSign:
        CF_RETURN_IF_ERROR(StartDigest());
        if (EVP_DigestSignFinal(md_ctx_.get(), sig.data(), &len) != 1) return ossl::Error("signing");
        break;
      case SignMode::kRaw: {
        if (data.size() < config_.min_input || data.size() > config_.max_input) return InputRange(data.size());
        CF_ASSIGN_OR_RETURN(ossl::PKeyCtx ctx, PkeyCtx());
        if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) return ossl::Error("signing");
        break;
      }
      case SignMode::kOneShotMessage: {
        if (data.size() > config_.max_input) return InputRange(data.size());
        ossl::MdCtx ctx(EVP_MD_CTX_new());
        if (!ctx ||
            EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, ossl::LibCtx(), ossl::kPropQuery, key_.get(), nullptr) !=
                1 ||
            EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) {
          return ossl::Error("signing");
        }
        break;
      }
    }
    if (config_.ecdsa_raw_signature) return EcdsaDerToRaw(ByteView(sig.data(), len), config_.signature_len / 2, out);
    out->insert(out->end(), sig.begin(), sig.begin() + static_cast<std::ptrdiff_t>(len));
    return Status::Ok();
  }

  Status InputRange(size_t n) const {
    return Rv(CKR_DATA_LEN_RANGE, "input is " + std::to_string(n) + " bytes; this mechanism takes " +
                                      std::to_string(config_.min_input) + ".." + std::to_string(config_.max_input));
  }

  Status InputRange() const { return InputRange(buffer_.size()); }

  Status StartDigest() {
    if (md_ctx_) return Status::Ok();
    md_ctx_.reset(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // owned by md_ctx_
    const char* md = EVP_MD_get0_name(config_.md);
    int ok =
        kind_ == OpKind::kSign
            ? EVP_DigestSignInit_ex(md_ctx_.get(), &pctx, md, ossl::LibCtx(), ossl::kPropQuery, key_.get(), nullptr)
            : EVP_DigestVerifyInit_ex(md_ctx_.get(), &pctx, md, ossl::LibCtx(), ossl::kPropQuery, key_.get(), nullptr);
    if (ok != 1) return ossl::Error("starting a signature operation");
    if (config_.configure) CF_RETURN_IF_ERROR(config_.configure(pctx));
    return Status::Ok();
  }

  Result<ossl::PKeyCtx> PkeyCtx() const {
    ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(ossl::LibCtx(), key_.get(), ossl::kPropQuery));
    if (!ctx) return ossl::Error("creating a key context");
    int ok = kind_ == OpKind::kSign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get());
    if (ok != 1) return ossl::Error("starting a signature operation");
    if (config_.configure) CF_RETURN_IF_ERROR(config_.configure(ctx.get()));
    return ctx;
  }

  OpKind kind_;
  std::shared_ptr<EVP_PKEY> key_;
  SignConfig config_;
  ossl::MdCtx md_ctx_;
  SecureBytes buffer_;  // raw and one-shot modes: the data, wiped on destruction
};

class PkeyCipherOperation final : public Operation {
 public:
  PkeyCipherOperation(OpKind kind, std::shared_ptr<EVP_PKEY> key, PkeyCipherConfig config)
      : decrypt_(kind == OpKind::kDecrypt || kind == OpKind::kUnwrap),
        key_(std::move(key)),
        config_(std::move(config)) {}

  bool multi_part() const override { return false; }
  size_t MaxOutputLength(size_t) const override {
    return config_.modulus_len;  // decrypt: an upper bound; the exact length is known only after decrypting
  }
  Status Update(ByteView input, SecureBytes*) override {
    buffer_.insert(buffer_.end(), input.begin(), input.end());
    return Status::Ok();
  }
  Status VerifyFinal(ByteView) override { return Rv(CKR_OPERATION_NOT_INITIALIZED, "not a verify operation"); }

  Status Final(SecureBytes* out) override {
    if (!decrypt_ && buffer_.size() > config_.max_plaintext) {
      return Rv(CKR_DATA_LEN_RANGE, "plaintext is " + std::to_string(buffer_.size()) + " bytes, at most " +
                                        std::to_string(config_.max_plaintext) + " fit this key and padding");
    }
    if (decrypt_ && buffer_.size() != config_.modulus_len) {
      return Rv(CKR_ENCRYPTED_DATA_LEN_RANGE, "ciphertext is " + std::to_string(buffer_.size()) +
                                                  " bytes, the modulus is " + std::to_string(config_.modulus_len));
    }
    ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(ossl::LibCtx(), key_.get(), ossl::kPropQuery));
    if (!ctx) return ossl::Error("creating a key context");
    int ok = decrypt_ ? EVP_PKEY_decrypt_init(ctx.get()) : EVP_PKEY_encrypt_init(ctx.get());
    if (ok != 1) return ossl::Error("starting RSA encryption");
    if (config_.configure) CF_RETURN_IF_ERROR(config_.configure(ctx.get()));
    size_t at = out->size();
    size_t len = config_.modulus_len;
    out->resize(at + len);
    ok = decrypt_ ? EVP_PKEY_decrypt(ctx.get(), out->data() + at, &len, buffer_.data(), buffer_.size())
                  : EVP_PKEY_encrypt(ctx.get(), out->data() + at, &len, buffer_.data(), buffer_.size());
    if (ok != 1) {
      out->resize(at);
      if (decrypt_) {
        // One answer for every failure: padding details must not reach the caller (or the log).
        ERR_clear_error();
        return Rv(CKR_ENCRYPTED_DATA_INVALID, "decryption failed");
      }
      return ossl::Error("RSA encryption");
    }
    out->resize(at + len);
    return Status::Ok();
  }

 private:
  bool decrypt_;
  std::shared_ptr<EVP_PKEY> key_;
  PkeyCipherConfig config_;
  SecureBytes buffer_;
};

}  // namespace

std::unique_ptr<Operation> MakeSignOperation(OpKind kind, std::shared_ptr<EVP_PKEY> key, SignConfig config) {
  return std::make_unique<SignOperation>(kind, std::move(key), std::move(config));
}

std::unique_ptr<Operation> MakePkeyCipherOperation(OpKind kind, std::shared_ptr<EVP_PKEY> key,
                                                   PkeyCipherConfig config) {
  return std::make_unique<PkeyCipherOperation>(kind, std::move(key), std::move(config));
}

}  // namespace cf::p11
