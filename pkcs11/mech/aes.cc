// The AES family: CKM_AES_KEY_GEN, CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_CTR (CK_AES_CTR_PARAMS, counter overflow
// refused) and CKM_AES_CMAC(_GENERAL), all multi-part. GCM is in aes_gcm.cc, key wrap in aes_wrap.cc.
// CKM_AES_ECB is deliberately not offered: it leaks equal blocks and no client on our list needs it.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "common/ossl.h"
#include "common/random.h"
#include "pkcs11/mech/aes_ciphers.h"
#include "pkcs11/mech/attribute_values.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/mac_ops.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

constexpr size_t kBlock = 16;

enum class Padding { kNone, kPkcs7 };

class AesCipherOperation final : public Operation {
 public:
  AesCipherOperation(bool encrypt, Padding padding, ossl::CipherCtx ctx, std::shared_ptr<const SecureBytes> key,
                     uint64_t max_blocks)
      : encrypt_(encrypt), padding_(padding), ctx_(std::move(ctx)), key_(std::move(key)), max_blocks_(max_blocks) {}

  bool multi_part() const override { return true; }
  size_t MaxOutputLength(size_t input_len) const override {
    return pending_ + input_len + (encrypt_ && padding_ == Padding::kPkcs7 ? kBlock : 0);
  }

  Status Update(ByteView input, SecureBytes* out) override {
    total_ += input.size();
    if ((total_ + kBlock - 1) / kBlock > max_blocks_) {
      return Rv(CKR_DATA_LEN_RANGE,
                "CTR counter would wrap: " + std::to_string(max_blocks_) + " blocks left for the counter bits given");
    }
    size_t at = out->size();
    out->resize(at + pending_ + input.size() + kBlock);
    int len = 0;
    if (EVP_CipherUpdate(ctx_.get(), out->data() + at, &len, input.data(), static_cast<int>(input.size())) != 1) {
      out->resize(at);
      return ossl::Error("AES update");
    }
    out->resize(at + static_cast<size_t>(len));
    pending_ = pending_ + input.size() - static_cast<size_t>(len);
    return Status::Ok();
  }

  Status Final(SecureBytes* out) override {
    if (padding_ == Padding::kNone || !encrypt_) {
      if (total_ % kBlock != 0 && !stream_) {
        return encrypt_ ? Rv(CKR_DATA_LEN_RANGE, "AES-CBC input of " + std::to_string(total_) +
                                                     " bytes is not a multiple of 16 (use CKM_AES_CBC_PAD)")
                        : Rv(CKR_ENCRYPTED_DATA_LEN_RANGE,
                             "AES-CBC ciphertext of " + std::to_string(total_) + " bytes is not a multiple of 16");
      }
    }
    size_t at = out->size();
    out->resize(at + 2 * kBlock);
    int len = 0;
    if (EVP_CipherFinal_ex(ctx_.get(), out->data() + at, &len) != 1) {
      out->resize(at);
      if (!encrypt_) {
        ERR_clear_error();
        return Rv(CKR_ENCRYPTED_DATA_INVALID, "AES-CBC padding is invalid");
      }
      return ossl::Error("AES final");
    }
    out->resize(at + static_cast<size_t>(len));
    pending_ = 0;
    return Status::Ok();
  }
  Status VerifyFinal(ByteView) override { return Rv(CKR_OPERATION_NOT_INITIALIZED, "not a verify operation"); }

  // Single-part: straight into the caller's buffer (which holds MaxOutputLength, what update + final can write).
  // A failed decryption wipes the partial plaintext it wrote.
  bool one_shot_into() const override { return true; }
  Result<size_t> OneShotInto(ByteView input, std::span<uint8_t> out) override {
    total_ += input.size();
    if ((total_ + kBlock - 1) / kBlock > max_blocks_) {
      return Rv(CKR_DATA_LEN_RANGE,
                "CTR counter would wrap: " + std::to_string(max_blocks_) + " blocks left for the counter bits given");
    }
    if ((padding_ == Padding::kNone || !encrypt_) && total_ % kBlock != 0 && !stream_) {
      return encrypt_ ? Rv(CKR_DATA_LEN_RANGE, "AES-CBC input of " + std::to_string(total_) +
                                                   " bytes is not a multiple of 16 (use CKM_AES_CBC_PAD)")
                      : Rv(CKR_ENCRYPTED_DATA_LEN_RANGE,
                           "AES-CBC ciphertext of " + std::to_string(total_) + " bytes is not a multiple of 16");
    }
    int len = 0, final_len = 0;
    if (EVP_CipherUpdate(ctx_.get(), out.data(), &len, input.data(), static_cast<int>(input.size())) != 1 ||
        EVP_CipherFinal_ex(ctx_.get(), out.data() + len, &final_len) != 1) {
      OPENSSL_cleanse(out.data(), out.size());
      if (!encrypt_) {
        ERR_clear_error();
        return Rv(CKR_ENCRYPTED_DATA_INVALID, "AES-CBC padding is invalid");
      }
      return ossl::Error("AES one-shot");
    }
    return static_cast<size_t>(len + final_len);
  }

  void set_stream() { stream_ = true; }

 private:
  bool encrypt_;
  Padding padding_;
  ossl::CipherCtx ctx_;
  std::shared_ptr<const SecureBytes> key_;
  uint64_t max_blocks_;
  bool stream_ = false;
  size_t pending_ = 0;  // input bytes accepted but not yet output (CBC holds back partial and padding blocks)
  uint64_t total_ = 0;
};

Result<std::unique_ptr<Operation>> MakeCipher(OpKind kind, const char* name, const char* mode, Padding padding,
                                              const KeyMaterial* key, const uint8_t* iv, uint64_t max_blocks) {
  if (kind != OpKind::kEncrypt && kind != OpKind::kDecrypt) {
    return Rv(CKR_MECHANISM_INVALID, std::string(name) + " only encrypts and decrypts");
  }
  CF_ASSIGN_OR_RETURN(auto secret, AesKeyFor(key, name));
  const EVP_CIPHER* cipher = AesCipher(mode, secret->size());
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  bool encrypt = kind == OpKind::kEncrypt;
  if (cipher == nullptr || !ctx ||
      EVP_CipherInit_ex2(ctx.get(), cipher, secret->data(), iv, encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), padding == Padding::kPkcs7 ? 1 : 0) != 1) {
    return ossl::Error(std::string("starting ") + name);
  }
  auto op = std::make_unique<AesCipherOperation>(encrypt, padding, std::move(ctx), std::move(secret), max_blocks);
  if (std::string_view(mode) == "CTR") op->set_stream();
  return std::unique_ptr<Operation>(std::move(op));
}

std::function<Result<std::unique_ptr<Operation>>(OpKind, const CK_MECHANISM&, const KeyMaterial*)> Cbc(
    const char* name, Padding padding) {
  return [name, padding](OpKind kind, const CK_MECHANISM& m,
                         const KeyMaterial* key) -> Result<std::unique_ptr<Operation>> {
    if (m.pParameter == nullptr || m.ulParameterLen != kBlock) {
      return Rv(CKR_MECHANISM_PARAM_INVALID,
                std::string(name) + " needs a 16-byte IV, got " + std::to_string(m.ulParameterLen) + " bytes");
    }
    return MakeCipher(kind, name, "CBC", padding, key, static_cast<const uint8_t*>(m.pParameter), UINT64_MAX);
  };
}

Result<std::unique_ptr<Operation>> CreateCtr(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) {
  CF_ASSIGN_OR_RETURN(const CK_AES_CTR_PARAMS* p, ParamAs<CK_AES_CTR_PARAMS>(m, "CKM_AES_CTR", "CK_AES_CTR_PARAMS"));
  if (p->ulCounterBits < 1 || p->ulCounterBits > 128) {
    return Rv(CKR_MECHANISM_PARAM_INVALID,
              "CKM_AES_CTR: ulCounterBits " + std::to_string(p->ulCounterBits) + " outside 1..128");
  }
  // OpenSSL increments all 128 bits; PKCS#11 says only the low ulCounterBits count, so refuse to go past their
  // wrap instead of silently carrying into the nonce part.
  uint64_t max_blocks = UINT64_MAX;
  if (p->ulCounterBits < 64) {
    uint64_t low = 0;
    for (int i = 8; i < 16; ++i) low = (low << 8) | p->cb[i];
    uint64_t span = uint64_t{1} << p->ulCounterBits;
    max_blocks = span - (low & (span - 1));
  }
  return MakeCipher(kind, "CKM_AES_CTR", "CTR", Padding::kNone, key, p->cb, max_blocks);
}

Result<KeyMaterial> GenerateAes(const CK_MECHANISM& m, const AttributeLookup& t) {
  CF_RETURN_IF_ERROR(NoParams(m, "CKM_AES_KEY_GEN"));
  CF_ASSIGN_OR_RETURN(std::optional<CK_ULONG> len, ReadUlong(t, CKA_VALUE_LEN));
  if (!len) return Rv(CKR_TEMPLATE_INCOMPLETE, "AES key generation needs CKA_VALUE_LEN (16, 24 or 32)");
  if (*len != 16 && *len != 24 && *len != 32) {
    return Rv(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN " + std::to_string(*len) + ": AES keys are 16, 24 or 32 bytes");
  }
  CF_ASSIGN_OR_RETURN(SecureBytes value, RandomSecret(*len));
  return KeyMaterial{.object_class = CKO_SECRET_KEY,
                     .key_type = CKK_AES,
                     .secret = std::make_shared<const SecureBytes>(std::move(value))};
}

std::function<Result<std::unique_ptr<Operation>>(OpKind, const CK_MECHANISM&, const KeyMaterial*)> Cmac(
    const char* name, bool general) {
  return [name, general](OpKind kind, const CK_MECHANISM& m,
                         const KeyMaterial* key) -> Result<std::unique_ptr<Operation>> {
    size_t out = kBlock;
    if (general) {
      CF_ASSIGN_OR_RETURN(out, GeneralMacLength(m, name, kBlock));
    } else {
      CF_RETURN_IF_ERROR(NoParams(m, name));
    }
    CF_ASSIGN_OR_RETURN(auto secret, AesKeyFor(key, name));
    std::string cipher = "AES-" + std::to_string(secret->size() * 8) + "-CBC";
    return MakeMacOperation(kind, std::move(secret),
                            {.mac_name = "CMAC",
                             .param_name = OSSL_MAC_PARAM_CIPHER,
                             .param_value = cipher,
                             .full_length = kBlock,
                             .output_length = out});
  };
}

}  // namespace

void RegisterAes(Registry& registry) {
  constexpr CK_FLAGS kCipher = CKF_ENCRYPT | CKF_DECRYPT;
  registry.Add({.type = CKM_AES_KEY_GEN,
                .name = "CKM_AES_KEY_GEN",
                .info = {16, 32, CKF_GENERATE},
                .key_types = {CKK_AES},
                .generate_key = GenerateAes});
  registry.Add({.type = CKM_AES_CBC,
                .name = "CKM_AES_CBC",
                .info = {16, 32, kCipher},
                .key_types = {CKK_AES},
                .create = Cbc("CKM_AES_CBC", Padding::kNone)});
  registry.Add({.type = CKM_AES_CBC_PAD,
                .name = "CKM_AES_CBC_PAD",
                .info = {16, 32, kCipher},
                .key_types = {CKK_AES},
                .create = Cbc("CKM_AES_CBC_PAD", Padding::kPkcs7)});
  registry.Add({.type = CKM_AES_CTR,
                .name = "CKM_AES_CTR",
                .info = {16, 32, kCipher},
                .key_types = {CKK_AES},
                .create = CreateCtr});
  registry.Add({.type = CKM_AES_CMAC,
                .name = "CKM_AES_CMAC",
                .info = {16, 32, CKF_SIGN | CKF_VERIFY},
                .key_types = {CKK_AES},
                .create = Cmac("CKM_AES_CMAC", false)});
  registry.Add({.type = CKM_AES_CMAC_GENERAL,
                .name = "CKM_AES_CMAC_GENERAL",
                .info = {16, 32, CKF_SIGN | CKF_VERIFY},
                .key_types = {CKK_AES},
                .create = Cmac("CKM_AES_CMAC_GENERAL", true)});
}

}  // namespace cf::p11
