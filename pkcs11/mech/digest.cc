// The digest family: CKM_SHA_1, CKM_SHA224..512 and the 3.0 CKM_SHA3_* rows over EVP_MD, multi-part, with a
// saveable state (C_GetOperationState) as long as the input stays within kMaxSavedDigestInput and holds no key.
#include <string>

#include "common/ossl.h"
#include "pkcs11/mech/digest_state.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/hash_table.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

// Keeps a copy of its input (up to kMaxSavedDigestInput) so that C_GetOperationState can save it: OpenSSL 3 has
// no API that exports a digest's internal state.
class DigestOperation final : public Operation {
 public:
  DigestOperation(ossl::MdCtx ctx, const HashInfo* hash) : ctx_(std::move(ctx)), hash_(hash) {}
  bool multi_part() const override { return true; }
  size_t MaxOutputLength(size_t) const override { return hash_->size; }
  Status Update(ByteView input, SecureBytes*) override {
    if (EVP_DigestUpdate(ctx_.get(), input.data(), input.size()) != 1) return ossl::Error("digest update");
    Keep(input);
    return Status::Ok();
  }
  Status UpdateSecret(ByteView secret) override {
    if (EVP_DigestUpdate(ctx_.get(), secret.data(), secret.size()) != 1) return ossl::Error("digest update");
    StopKeeping(Unsaveable::kKeyDigested);
    return Status::Ok();
  }
  Status Final(SecureBytes* out) override {
    size_t at = out->size();
    out->resize(at + hash_->size);
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), out->data() + at, &len) != 1 || len != hash_->size) {
      out->resize(at);
      return ossl::Error("digest final");
    }
    return Status::Ok();
  }
  // C_Digest: the operation ends here, so there is no state to save and nothing to keep.
  Status OneShot(ByteView input, SecureBytes* out) override {
    if (EVP_DigestUpdate(ctx_.get(), input.data(), input.size()) != 1) return ossl::Error("digest update");
    return Final(out);
  }
  Status VerifyFinal(ByteView) override { return Rv(CKR_OPERATION_NOT_INITIALIZED, "digests do not verify"); }
  Result<SecureBytes> SaveState() const override {
    switch (unsaveable_) {
      case Unsaveable::kNo:
        return EncodeDigestState(hash_->mechanism, kept_);
      case Unsaveable::kKeyDigested:
        return Rv(CKR_STATE_UNSAVEABLE, std::string("C_DigestKey fed a key's value into this ") + hash_->ck_name +
                                            " digest; a saved state would carry the key");
      case Unsaveable::kTooLong:
        break;
    }
    return Rv(CKR_STATE_UNSAVEABLE, std::string("this ") + hash_->ck_name + " digest has taken more than " +
                                        std::to_string(kMaxSavedDigestInput) +
                                        " bytes of input, the bound of a saved digest state");
  }

 private:
  enum class Unsaveable { kNo, kTooLong, kKeyDigested };

  void Keep(ByteView input) {
    if (unsaveable_ != Unsaveable::kNo) return;
    if (input.size() > kMaxSavedDigestInput - kept_.size()) {
      StopKeeping(Unsaveable::kTooLong);
      return;
    }
    kept_.insert(kept_.end(), input.begin(), input.end());
  }
  void StopKeeping(Unsaveable why) {
    if (unsaveable_ != Unsaveable::kKeyDigested) unsaveable_ = why;  // the key reason wins: it is the one to know
    SecureBytes().swap(kept_);  // frees (and so wipes) the copy now, not at the end of the operation
  }

  ossl::MdCtx ctx_;
  const HashInfo* hash_;
  SecureBytes kept_;
  Unsaveable unsaveable_ = Unsaveable::kNo;
};

}  // namespace

void RegisterDigests(Registry& registry) {
  for (const HashInfo* h = AllHashes(); h->name != nullptr; ++h) {
    if (h->Md() == nullptr) continue;  // not offered by this OpenSSL build: not listed either
    const HashInfo* hash = h;
    registry.Add({.type = h->mechanism,
                  .name = h->ck_name,
                  .info = {0, 0, CKF_DIGEST},
                  .key_types = {},
                  .create = [hash](OpKind kind, const CK_MECHANISM& m,
                                   const KeyMaterial*) -> Result<std::unique_ptr<Operation>> {
                    if (kind != OpKind::kDigest) return Rv(CKR_MECHANISM_INVALID, "digest mechanisms only digest");
                    CF_RETURN_IF_ERROR(NoParams(m, hash->ck_name));
                    ossl::MdCtx ctx(EVP_MD_CTX_new());
                    if (!ctx || EVP_DigestInit_ex2(ctx.get(), hash->Md(), nullptr) != 1) {
                      return ossl::Error(std::string("starting ") + hash->name);
                    }
                    return std::unique_ptr<Operation>(new DigestOperation(std::move(ctx), hash));
                  }});
  }
}

}  // namespace cf::p11
