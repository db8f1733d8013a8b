// The digest family: CKM_SHA_1, CKM_SHA224..512 and the 3.0 CKM_SHA3_* rows over EVP_MD, multi-part.
#include "common/ossl.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/hash_table.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

class DigestOperation final : public Operation {
 public:
  DigestOperation(ossl::MdCtx ctx, size_t size) : ctx_(std::move(ctx)), size_(size) {}
  bool multi_part() const override { return true; }
  size_t MaxOutputLength(size_t) const override { return size_; }
  Status Update(ByteView input, SecureBytes*) override {
    if (EVP_DigestUpdate(ctx_.get(), input.data(), input.size()) != 1) return ossl::Error("digest update");
    return Status::Ok();
  }
  Status Final(SecureBytes* out) override {
    size_t at = out->size();
    out->resize(at + size_);
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), out->data() + at, &len) != 1 || len != size_) {
      out->resize(at);
      return ossl::Error("digest final");
    }
    return Status::Ok();
  }
  Status VerifyFinal(ByteView) override { return Rv(CKR_OPERATION_NOT_INITIALIZED, "digests do not verify"); }

 private:
  ossl::MdCtx ctx_;
  size_t size_;
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
                    return std::unique_ptr<Operation>(new DigestOperation(std::move(ctx), hash->size));
                  }});
  }
}

}  // namespace cf::p11
