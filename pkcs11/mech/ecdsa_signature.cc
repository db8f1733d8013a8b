// r||s <-> DER ECDSA-Sig conversion for CKM_ECDSA* (see ecdsa_signature.h).
#include "pkcs11/mech/ecdsa_signature.h"

#include <openssl/ecdsa.h>

#include "common/ossl.h"

namespace cf::p11 {

Status EcdsaDerToRaw(ByteView der, size_t half, SecureBytes* out) {
  const unsigned char* p = der.data();
  ossl::EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return ossl::Error("parsing the DER ECDSA signature OpenSSL produced");
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  size_t at = out->size();
  out->resize(at + 2 * half);
  if (BN_bn2binpad(r, out->data() + at, static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, out->data() + at + half, static_cast<int>(half)) < 0) {
    out->resize(at);
    return Status(Code::kInternal, "ECDSA r or s longer than the field size " + std::to_string(half));
  }
  return Status::Ok();
}

Result<Bytes> EcdsaRawToDer(ByteView raw) {
  if (raw.empty() || raw.size() % 2 != 0) {
    return Status(Code::kInvalidArgument, "r||s signature length " + std::to_string(raw.size()) + " is not even");
  }
  size_t half = raw.size() / 2;
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    // set0 takes ownership only on success.
    ossl::Bn rr(r), ss(s);
    return ossl::Error("building an ECDSA-Sig");
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return ossl::Error("sizing an ECDSA-Sig");
  Bytes result(static_cast<size_t>(len));
  unsigned char* p = result.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return ossl::Error("encoding an ECDSA-Sig");
  return result;
}

}  // namespace cf::p11
