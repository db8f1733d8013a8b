// EVP_PKEY_fromdata over an OSSL_PARAM_BLD, and the derived parts (CRT values, public point) callers may lack.
#include "common/pkey_from_parts.h"

#include <openssl/core_names.h>

#include "common/ossl_context.h"

namespace cf::ossl {

Result<PKey> PKeyFromParts(const KeyParts& parts, const std::string& rejected) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld) return Error("building key parameters");
  if (parts.group_name != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, parts.group_name, 0) != 1) {
    return Error("building the key's group parameter");
  }
  if (!parts.public_point.empty() &&
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, parts.public_point.data(),
                                       parts.public_point.size()) != 1) {
    return Error("building the key's public point parameter");
  }
  for (const auto& [name, value] : parts.numbers) {
    if (OSSL_PARAM_BLD_push_BN(bld.get(), name, value) != 1)
      return Error(std::string("building key parameter ") + name);
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(LibCtx(), parts.key_type, kPropQuery));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, parts.key_pair ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Status(Code::kInvalidArgument, ErrorString(rejected));
  }
  return PKey(raw);
}

Result<std::array<Bn, 3>> RsaCrtValues(const BIGNUM* p, const BIGNUM* q, const BIGNUM* d) {
  BnCtx ctx(BN_CTX_secure_new_ex(LibCtx()));
  Bn p1(BN_secure_new()), q1(BN_secure_new());
  std::array<Bn, 3> crt = {Bn(BN_secure_new()), Bn(BN_secure_new()), Bn(BN_secure_new())};
  if (!ctx || !p1 || !q1 || !crt[0] || !crt[1] || !crt[2]) return Error("computing RSA CRT values");
  if (BN_sub(p1.get(), p, BN_value_one()) != 1 || BN_sub(q1.get(), q, BN_value_one()) != 1 ||
      BN_mod(crt[0].get(), d, p1.get(), ctx.get()) != 1 || BN_mod(crt[1].get(), d, q1.get(), ctx.get()) != 1 ||
      BN_mod_inverse(crt[2].get(), q, p, ctx.get()) == nullptr) {
    return Status(Code::kInvalidArgument, "RSA primes do not allow CRT values (q not invertible mod p)");
  }
  return crt;
}

Result<Bytes> EcPublicPoint(int nid, const BIGNUM* d) {
  EcGroup group(EC_GROUP_new_by_curve_name_ex(LibCtx(), kPropQuery, nid));
  EcPoint point(group ? EC_POINT_new(group.get()) : nullptr);
  BnCtx ctx(BN_CTX_new_ex(LibCtx()));
  if (!point || !ctx || EC_POINT_mul(group.get(), point.get(), d, nullptr, nullptr, ctx.get()) != 1) {
    return Error("computing the EC public point");
  }
  size_t len = EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, nullptr, 0, ctx.get());
  Bytes out(len);
  if (len == 0 || EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                                     ctx.get()) != len) {
    return Error("encoding the EC public point");
  }
  return out;
}

}  // namespace cf::ossl
