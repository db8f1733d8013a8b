// EVP_MAC operations for HMAC and CMAC rows (see mac_ops.h).
#include "pkcs11/mech/mac_ops.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "common/ossl.h"
#include "common/ossl_context.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

class MacOperation final : public Operation {
 public:
  MacOperation(OpKind kind, std::shared_ptr<const SecureBytes> key, ossl::MacCtx ctx, size_t full, size_t out)
      : kind_(kind), key_(std::move(key)), ctx_(std::move(ctx)), full_(full), out_(out) {}

  bool multi_part() const override { return true; }
  size_t MaxOutputLength(size_t) const override { return kind_ == OpKind::kSign ? out_ : 0; }
  Status Update(ByteView input, SecureBytes*) override {
    if (EVP_MAC_update(ctx_.get(), input.data(), input.size()) != 1) return ossl::Error("MAC update");
    return Status::Ok();
  }
  Status Final(SecureBytes* out) override {
    if (kind_ != OpKind::kSign) return Rv(CKR_OPERATION_NOT_INITIALIZED, "Final on a verify operation");
    SecureBytes tag;
    CF_RETURN_IF_ERROR(Compute(&tag));
    out->insert(out->end(), tag.begin(), tag.begin() + static_cast<std::ptrdiff_t>(out_));
    return Status::Ok();
  }
  // Single-part sign: the MAC straight into the caller's buffer (a truncated MAC goes through a stack copy that
  // is wiped, since EVP_MAC_final writes the full length).
  bool one_shot_into() const override { return kind_ == OpKind::kSign; }
  Result<size_t> OneShotInto(ByteView input, std::span<uint8_t> out) override {
    if (kind_ != OpKind::kSign) return Rv(CKR_OPERATION_NOT_INITIALIZED, "C_Sign on a verify operation");
    CF_RETURN_IF_ERROR(Update(input, nullptr));
    size_t len = 0;
    if (out_ == full_ && out.size() >= full_) {
      if (EVP_MAC_final(ctx_.get(), out.data(), &len, out.size()) != 1 || len != full_) return ossl::Error("MAC final");
      return out_;
    }
    uint8_t tag[EVP_MAX_MD_SIZE];
    if (full_ > sizeof(tag) || EVP_MAC_final(ctx_.get(), tag, &len, sizeof(tag)) != 1 || len != full_) {
      OPENSSL_cleanse(tag, sizeof(tag));
      return ossl::Error("MAC final");
    }
    std::copy(tag, tag + out_, out.begin());
    OPENSSL_cleanse(tag, sizeof(tag));
    return out_;
  }
  Status VerifyFinal(ByteView signature) override {
    if (kind_ != OpKind::kVerify) return Rv(CKR_OPERATION_NOT_INITIALIZED, "VerifyFinal on a sign operation");
    if (signature.size() != out_) {
      return Rv(CKR_SIGNATURE_LEN_RANGE,
                "MAC is " + std::to_string(signature.size()) + " bytes, expected " + std::to_string(out_));
    }
    SecureBytes tag;
    CF_RETURN_IF_ERROR(Compute(&tag));
    if (!ConstantTimeEquals(ByteView(tag.data(), out_), signature)) {
      return Rv(CKR_SIGNATURE_INVALID, "MAC does not verify");
    }
    return Status::Ok();
  }

 private:
  Status Compute(SecureBytes* tag) {
    tag->resize(full_);
    size_t len = 0;
    if (EVP_MAC_final(ctx_.get(), tag->data(), &len, tag->size()) != 1 || len != full_) {
      return ossl::Error("MAC final");
    }
    return Status::Ok();
  }

  OpKind kind_;
  std::shared_ptr<const SecureBytes> key_;
  ossl::MacCtx ctx_;
  size_t full_;
  size_t out_;
};

}  // namespace

Result<std::unique_ptr<Operation>> MakeMacOperation(OpKind kind, std::shared_ptr<const SecureBytes> key,
                                                    MacConfig config) {
  if (kind != OpKind::kSign && kind != OpKind::kVerify) return Rv(CKR_MECHANISM_INVALID, "MACs only sign");
  EVP_MAC* mac = ossl::FetchedMac(config.mac_name);
  if (mac == nullptr) return ossl::Error(std::string("fetching ") + config.mac_name);
  ossl::MacCtx ctx(EVP_MAC_CTX_new(mac));
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(config.param_name.c_str(), config.param_value.data(), 0),
                         OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), key->data(), key->size(), params) != 1) {
    return ossl::Error(std::string("starting ") + config.mac_name + " with " + config.param_value);
  }
  return std::unique_ptr<Operation>(
      new MacOperation(kind, std::move(key), std::move(ctx), config.full_length, config.output_length));
}

Result<size_t> GeneralMacLength(const CK_MECHANISM& m, const char* name, size_t full_length) {
  CF_ASSIGN_OR_RETURN(const CK_ULONG* len, ParamAs<CK_ULONG>(m, name, "CK_MAC_GENERAL_PARAMS"));
  if (*len < 1 || *len > full_length) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, std::string(name) + ": MAC length " + std::to_string(*len) + " outside 1.." +
                                               std::to_string(full_length));
  }
  return static_cast<size_t>(*len);
}

}  // namespace cf::p11
