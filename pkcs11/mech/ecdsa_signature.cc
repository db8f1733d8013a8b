// r||s <-> DER ECDSA-Sig conversion for CKM_ECDSA* (see ecdsa_signature.h).
#include "pkcs11/mech/ecdsa_signature.h"

#include <openssl/ecdsa.h>

#include <cstring>
#include <string>

#include "common/ossl.h"

namespace cf::p11 {

namespace {

// Reads one DER length at der[*at] (short form, or long form with one byte: ECDSA-Sigs stay under 256 bytes).
bool ReadLength(ByteView der, size_t* at, size_t* len) {
  if (*at >= der.size()) return false;
  uint8_t b = der[(*at)++];
  if (b < 0x80) {
    *len = b;
  } else if (b == 0x81 && *at < der.size()) {
    *len = der[(*at)++];
  } else {
    return false;
  }
  return *len <= der.size() - *at;
}

// Copies the INTEGER at der[*at] into out[0, half), left-padded: no BIGNUM, so signing stays allocation-free.
bool ReadInteger(ByteView der, size_t* at, size_t half, uint8_t* out) {
  size_t len = 0;
  if (*at >= der.size() || der[(*at)++] != 0x02 || !ReadLength(der, at, &len) || len == 0) return false;
  ByteView v = der.subspan(*at, len);
  *at += len;
  while (v.size() > 1 && v[0] == 0) v = v.subspan(1);  // DER's sign byte
  if (v.size() > half) return false;
  std::memset(out, 0, half - v.size());
  std::memcpy(out + half - v.size(), v.data(), v.size());
  return true;
}

}  // namespace

Status EcdsaDerToRaw(ByteView der, size_t half, SecureBytes* out) {
  size_t at = 0, seq_len = 0;
  size_t start = out->size();
  out->resize(start + 2 * half);
  if (der.empty() || der[at++] != 0x30 || !ReadLength(der, &at, &seq_len) || at + seq_len != der.size() ||
      !ReadInteger(der, &at, half, out->data() + start) || !ReadInteger(der, &at, half, out->data() + start + half) ||
      at != der.size()) {
    out->resize(start);
    return Status(Code::kInternal, "OpenSSL produced an ECDSA-Sig of " + std::to_string(der.size()) +
                                       " bytes that does not parse as SEQUENCE { r, s } for a " + std::to_string(half) +
                                       "-byte field");
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
