// EVP_PKEY -> key_message for RSA and ECC (P-256, P-384), the public half of a key_message, and key generation by
// the framework's algorithm names. Numbers are written as the framework's C++ side writes them (BN_bn2bin: unsigned
// big-endian, no leading zeros); ECC messages carry the curve's parameters as the framework fills them.
#include <openssl/core_names.h>

#include <array>
#include <optional>

#include "common/ossl_context.h"
#include "common/pkey_generate.h"
#include "common/random.h"
#include "common/time_text.h"
#include "proto/key_algorithms.h"
#include "proto/key_codec.h"

namespace cf::keys {
namespace {

std::string BnBytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

Result<ossl::Bn> GetBn(EVP_PKEY* pkey, const char* param) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) {
    return ossl::Error(std::string("reading key parameter ") + param);
  }
  return ossl::Bn(raw);
}

Status FillRsa(EVP_PKEY* pkey, bool include_private, wire::rsa_message* rsa) {
  CF_ASSIGN_OR_RETURN(ossl::Bn n, GetBn(pkey, OSSL_PKEY_PARAM_RSA_N));
  CF_ASSIGN_OR_RETURN(ossl::Bn e, GetBn(pkey, OSSL_PKEY_PARAM_RSA_E));
  rsa->set_public_modulus(BnBytes(n.get()));
  rsa->set_public_exponent(BnBytes(e.get()));
  if (!include_private) return Status::Ok();
  CF_ASSIGN_OR_RETURN(ossl::Bn d, GetBn(pkey, OSSL_PKEY_PARAM_RSA_D));
  rsa->set_private_exponent(BnBytes(d.get()));
  const std::array<std::pair<const char*, std::string* (wire::rsa_message::*)()>, 5> crt = {{
      {OSSL_PKEY_PARAM_RSA_FACTOR1, &wire::rsa_message::mutable_private_p},
      {OSSL_PKEY_PARAM_RSA_FACTOR2, &wire::rsa_message::mutable_private_q},
      {OSSL_PKEY_PARAM_RSA_EXPONENT1, &wire::rsa_message::mutable_private_dp},
      {OSSL_PKEY_PARAM_RSA_EXPONENT2, &wire::rsa_message::mutable_private_dq},
      {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &wire::rsa_message::mutable_private_iqmp},
  }};
  for (const auto& [param, field] : crt) {
    BIGNUM* raw = nullptr;
    // A key imported from (n, e, d) alone has no CRT values; the framework's messages allow leaving them out.
    if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) continue;
    ossl::Bn v(raw);
    *(rsa->*field)() = BnBytes(v.get());
  }
  return Status::Ok();
}

Status FillEcc(EVP_PKEY* pkey, const Curve& curve, bool include_private, wire::ecc_message* ecc) {
  ecc->set_curve_name(curve.framework_name);
  ossl::EcGroup group(EC_GROUP_new_by_curve_name_ex(ossl::LibCtx(), ossl::kPropQuery, curve.nid));
  ossl::Bn p(BN_new()), a(BN_new()), b(BN_new()), gx(BN_new()), gy(BN_new());
  if (!group || !p || !a || !b || !gx || !gy ||
      EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), nullptr) != 1 ||
      EC_POINT_get_affine_coordinates(group.get(), EC_GROUP_get0_generator(group.get()), gx.get(), gy.get(), nullptr) !=
          1) {
    return ossl::Error("reading curve " + std::string(curve.framework_name));
  }
  // Filled as the framework does, so its code that reads curve_p/a/b and the base point finds them.
  ecc->set_curve_p(BnBytes(p.get()));
  ecc->set_curve_a(BnBytes(a.get()));
  ecc->set_curve_b(BnBytes(b.get()));
  ecc->mutable_base_point()->set_x(BnBytes(gx.get()));
  ecc->mutable_base_point()->set_y(BnBytes(gy.get()));
  ecc->set_order_of_base_point(BnBytes(EC_GROUP_get0_order(group.get())));
  CF_ASSIGN_OR_RETURN(ossl::Bn x, GetBn(pkey, OSSL_PKEY_PARAM_EC_PUB_X));
  CF_ASSIGN_OR_RETURN(ossl::Bn y, GetBn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y));
  ecc->mutable_public_point()->set_x(BnBytes(x.get()));
  ecc->mutable_public_point()->set_y(BnBytes(y.get()));
  if (include_private) {
    CF_ASSIGN_OR_RETURN(ossl::Bn k, GetBn(pkey, OSSL_PKEY_PARAM_PRIV_KEY));
    ecc->set_private_multiplier(BnBytes(k.get()));
  }
  return Status::Ok();
}

}  // namespace

Result<wire::key_message> KeyMessageFromPKey(EVP_PKEY* pkey, bool include_private, const std::string& key_name) {
  if (pkey == nullptr) return Status(Code::kInvalidArgument, "no key given to convert to a key_message");
  wire::key_message out;
  out.set_key_name(key_name);
  out.set_key_format(kKeyFormat);
  const char* suffix = include_private ? "-private" : "-public";
  if (include_private) {
    // Asking for private fields of a public key is a caller error, not an empty field.
    ossl::Bn probe;
    BIGNUM* raw = nullptr;
    const char* param = EVP_PKEY_is_a(pkey, "RSA") ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY;
    if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) {
      return Status(Code::kInvalidArgument, "key '" + key_name + "' has no private part; ask for the public key");
    }
    probe.reset(raw);
  }
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    int bits = EVP_PKEY_get_bits(pkey);
    out.set_key_type("rsa-" + std::to_string(bits) + suffix);
    CF_RETURN_IF_ERROR(FillRsa(pkey, include_private, out.mutable_rsa_key()));
    return out;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) != 1) {
      return ossl::Error("reading the EC key's curve");
    }
    const Curve* curve = CurveByFrameworkName(group);
    if (curve == nullptr) {
      return Status(Code::kUnimplemented,
                    std::string("EC curve ") + group + " has no Certifier Framework key_type; use P-256 or P-384");
    }
    out.set_key_type("ecc-" + std::to_string(curve->bits) + suffix);
    CF_RETURN_IF_ERROR(FillEcc(pkey, *curve, include_private, out.mutable_ecc_key()));
    return out;
  }
  return Status(Code::kUnimplemented, std::string("key type ") + EVP_PKEY_get0_type_name(pkey) +
                                          " has no Certifier Framework key_message form; use RSA or P-256/P-384");
}

Result<wire::key_message> PublicKeyMessage(const wire::key_message& private_key) {
  std::optional<TypeName> type = ParseAsymmetricName(private_key.key_type());
  if (!type) {
    return Status(Code::kInvalidArgument, "key_message '" + private_key.key_name() + "' of type '" +
                                              private_key.key_type() + "' has no public half (not RSA or ECC)");
  }
  // Re-derived through OpenSSL so a malformed message fails here rather than yielding a wrong public key.
  CF_ASSIGN_OR_RETURN(ossl::PKey pkey, PKeyFromKeyMessage(private_key));
  CF_ASSIGN_OR_RETURN(wire::key_message out, KeyMessageFromPKey(pkey.get(), false, private_key.key_name()));
  if (private_key.has_not_before()) out.set_not_before(private_key.not_before());
  if (private_key.has_not_after()) out.set_not_after(private_key.not_after());
  if (private_key.has_certificate()) out.set_certificate(private_key.certificate());
  return out;
}

Result<wire::key_message> GenerateKeyMessage(std::string_view algorithm, const std::string& key_name,
                                             int64_t validity_seconds) {
  if (validity_seconds <= 0) {
    return Status(Code::kInvalidArgument,
                  "key validity of " + std::to_string(validity_seconds) + " seconds; give a positive duration");
  }
  wire::key_message out;
  if (const SymmetricAlgorithm* sym = FindSymmetric(algorithm)) {
    CF_ASSIGN_OR_RETURN(SecureBytes secret, RandomSecret(sym->secret_bytes));
    out.set_key_name(key_name);
    out.set_key_type(std::string(sym->name));
    out.set_key_format(kKeyFormat);
    out.set_secret_key_bits(secret.data(), secret.size());
  } else {
    std::optional<TypeName> type = ParseAsymmetricName(algorithm);
    ossl::PKey pkey;
    if (type && type->family == "rsa" && (type->bits == 2048 || type->bits == 3072 || type->bits == 4096)) {
      CF_ASSIGN_OR_RETURN(pkey, ossl::GenerateRsaKey(static_cast<unsigned>(type->bits)));
    } else if (type && type->family == "ecc" && CurveByBits(type->bits) != nullptr) {
      CF_ASSIGN_OR_RETURN(pkey, ossl::GenerateEcKey(CurveByBits(type->bits)->openssl_name));
    } else {
      return Status(Code::kInvalidArgument,
                    "unknown key algorithm '" + std::string(algorithm) +
                        "'; supported: rsa-2048, rsa-3072, rsa-4096, ecc-256 (P-256), ecc-384 (P-384), aes-256-gcm, "
                        "aes-256-cbc-hmac-sha256, aes-256-cbc-hmac-sha384, aes-256");
    }
    if (!pkey) return ossl::Error("generating a " + std::string(algorithm) + " key");
    CF_ASSIGN_OR_RETURN(out, KeyMessageFromPKey(pkey.get(), true, key_name));
  }
  int64_t now = NowSeconds();
  out.set_not_before(FormatTime(now));
  out.set_not_after(FormatTime(now + validity_seconds));
  return out;
}

}  // namespace cf::keys
