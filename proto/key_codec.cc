// key_message -> EVP_PKEY for RSA and ECC (P-256, P-384). Numbers are read in any padding (the Go side pads); every
// key read is checked (modulus vs primes, point on curve) before it is returned. Writing and generation:
// key_codec_write.cc; the algorithm names: key_algorithms.h.
#include "proto/key_codec.h"

#include <openssl/core_names.h>

#include <array>
#include <optional>

#include "common/ossl_context.h"
#include "common/pkey_check.h"
#include "common/pkey_from_parts.h"
#include "proto/key_algorithms.h"

namespace cf::keys {
namespace {

// BN_bin2bn into a secure BIGNUM (private parts pass through here too).
Result<ossl::Bn> BnFrom(const std::string& bytes, const char* what) {
  ossl::Bn bn(BN_secure_new());
  if (!bn || BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                       bn.get()) == nullptr) {
    return ossl::Error(std::string("reading ") + what);
  }
  return bn;
}

std::string NotAValidKey(const wire::key_message& key) {
  return "key_message '" + key.key_name() + "' is not a valid key";
}

// p and q must make the modulus; dp, dq and qinv are taken from the message or computed (the framework's C++ keys
// carry them, its Go keys may not). Appends the five CRT parts to `parts`; `crt` keeps them alive.
Status AddRsaCrtParts(const wire::key_message& key, const BIGNUM* n, const BIGNUM* d, std::array<ossl::Bn, 5>& crt,
                      ossl::KeyParts& parts) {
  const wire::rsa_message& rsa = key.rsa_key();
  CF_ASSIGN_OR_RETURN(crt[0], BnFrom(rsa.private_p(), "RSA p"));
  CF_ASSIGN_OR_RETURN(crt[1], BnFrom(rsa.private_q(), "RSA q"));
  ossl::BnCtx ctx(BN_CTX_secure_new_ex(ossl::LibCtx()));
  ossl::Bn pq(BN_secure_new());
  if (!ctx || !pq || BN_mul(pq.get(), crt[0].get(), crt[1].get(), ctx.get()) != 1) {
    return ossl::Error("checking RSA primes");
  }
  // A private key whose primes do not make its modulus would sign garbage: refuse it here.
  if (BN_cmp(pq.get(), n) != 0) {
    return Status(Code::kInvalidArgument,
                  "key_message '" + key.key_name() + "': RSA private_p * private_q != public_modulus");
  }
  if (!rsa.private_dp().empty() && !rsa.private_dq().empty() && !rsa.private_iqmp().empty()) {
    CF_ASSIGN_OR_RETURN(crt[2], BnFrom(rsa.private_dp(), "RSA dp"));
    CF_ASSIGN_OR_RETURN(crt[3], BnFrom(rsa.private_dq(), "RSA dq"));
    CF_ASSIGN_OR_RETURN(crt[4], BnFrom(rsa.private_iqmp(), "RSA iqmp"));
  } else {
    auto computed = ossl::RsaCrtValues(crt[0].get(), crt[1].get(), d);
    if (!computed.ok()) {
      return Status(Code::kInvalidArgument,
                    ossl::ErrorString("key_message '" + key.key_name() + "': RSA primes do not allow CRT values"));
    }
    for (int i = 0; i < 3; ++i) crt[2 + i] = std::move((*computed)[i]);
  }
  const char* names[5] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
                          OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  for (int i = 0; i < 5; ++i) parts.numbers.emplace_back(names[i], crt[i].get());
  return Status::Ok();
}

Result<ossl::PKey> RsaFromMessage(const wire::key_message& key, int type_bits) {
  const wire::rsa_message& rsa = key.rsa_key();
  if (rsa.public_modulus().empty() || rsa.public_exponent().empty()) {
    return Status(Code::kInvalidArgument, "key_message '" + key.key_name() + "' (" + key.key_type() +
                                              ") has no RSA public_modulus/public_exponent");
  }
  CF_ASSIGN_OR_RETURN(ossl::Bn n, BnFrom(rsa.public_modulus(), "RSA modulus"));
  CF_ASSIGN_OR_RETURN(ossl::Bn e, BnFrom(rsa.public_exponent(), "RSA exponent"));
  int bits = BN_num_bits(n.get());
  if (bits < 1024 || bits > 16384 || (type_bits != 0 && bits != type_bits)) {
    return Status(Code::kInvalidArgument, "key_message '" + key.key_name() + "' has a " + std::to_string(bits) +
                                              "-bit modulus but type '" + key.key_type() +
                                              "'; expected 1024..16384 bits matching the type");
  }
  ossl::KeyParts parts{.key_type = ossl::kRsaKeyType,
                       .key_pair = false,
                       .group_name = nullptr,
                       .public_point = {},
                       .numbers = {{OSSL_PKEY_PARAM_RSA_N, n.get()}, {OSSL_PKEY_PARAM_RSA_E, e.get()}}};
  if (rsa.private_exponent().empty()) return ossl::PKeyFromParts(parts, NotAValidKey(key));

  // Kept alive until the key is built: the parts refer to them.
  CF_ASSIGN_OR_RETURN(ossl::Bn d, BnFrom(rsa.private_exponent(), "RSA private exponent"));
  std::array<ossl::Bn, 5> crt;
  parts.key_pair = true;
  parts.numbers.emplace_back(OSSL_PKEY_PARAM_RSA_D, d.get());
  if (!rsa.private_p().empty() && !rsa.private_q().empty()) {
    CF_RETURN_IF_ERROR(AddRsaCrtParts(key, n.get(), d.get(), crt, parts));
  }
  return ossl::PKeyFromParts(parts, NotAValidKey(key));
}

// The uncompressed point 04 || X || Y, each coordinate left-padded to the field size.
Result<std::string> EncodePoint(const wire::point_message& point, int field_bytes, const std::string& key_name) {
  if (point.x().empty() || point.y().empty()) {
    return Status(Code::kInvalidArgument, "key_message '" + key_name + "' has no ECC public_point x/y");
  }
  std::string out(1, '\x04');
  for (const std::string* c : {&point.x(), &point.y()}) {
    // Strip the Go side's padding before measuring.
    size_t skip = c->find_first_not_of('\0');
    std::string_view v = skip == std::string::npos ? std::string_view() : std::string_view(*c).substr(skip);
    if (v.size() > static_cast<size_t>(field_bytes)) {
      return Status(Code::kInvalidArgument, "key_message '" + key_name + "': ECC coordinate of " +
                                                std::to_string(v.size()) + " bytes exceeds the curve's " +
                                                std::to_string(field_bytes));
    }
    out.append(field_bytes - v.size(), '\0');
    out.append(v);
  }
  return out;
}

// The curve parameters a message states must be the named curve's: a message cannot redefine P-256.
Status CheckCurveParameters(const wire::ecc_message& ecc, const Curve& curve, const std::string& key_name) {
  ossl::EcGroup group(EC_GROUP_new_by_curve_name_ex(ossl::LibCtx(), ossl::kPropQuery, curve.nid));
  ossl::Bn p(BN_new()), a(BN_new()), b(BN_new());
  if (!group || !p || !a || !b || EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), nullptr) != 1) {
    return ossl::Error("reading curve parameters");
  }
  const BIGNUM* order = EC_GROUP_get0_order(group.get());
  std::array<std::pair<const std::string*, const BIGNUM*>, 4> pairs = {{{&ecc.curve_p(), p.get()},
                                                                        {&ecc.curve_a(), a.get()},
                                                                        {&ecc.curve_b(), b.get()},
                                                                        {&ecc.order_of_base_point(), order}}};
  for (auto& [given, expected] : pairs) {
    if (given->empty()) continue;
    CF_ASSIGN_OR_RETURN(ossl::Bn v, BnFrom(*given, "curve parameter"));
    if (BN_cmp(v.get(), expected) != 0) {
      return Status(Code::kInvalidArgument, "key_message '" + key_name + "': curve parameters do not match " +
                                                curve.framework_name + "; only the named curves are supported");
    }
  }
  return Status::Ok();
}

// The public point the message states, or the one its private multiplier defines.
Result<Bytes> EccPublicPoint(const wire::key_message& key, const Curve& curve, const BIGNUM* priv) {
  const wire::ecc_message& ecc = key.ecc_key();
  if (ecc.has_public_point()) {
    CF_ASSIGN_OR_RETURN(std::string point, EncodePoint(ecc.public_point(), (curve.bits + 7) / 8, key.key_name()));
    return Bytes(point.begin(), point.end());
  }
  if (priv != nullptr) return ossl::EcPublicPoint(curve.nid, priv);
  return Status(Code::kInvalidArgument, "key_message '" + key.key_name() +
                                            "' has neither public_point nor "
                                            "private_multiplier");
}

Result<ossl::PKey> EccFromMessage(const wire::key_message& key, int type_bits) {
  const wire::ecc_message& ecc = key.ecc_key();
  const Curve* curve = CurveByFrameworkName(ecc.curve_name());
  if (curve == nullptr && ecc.curve_name().empty()) curve = CurveByBits(type_bits);
  if (curve == nullptr || (type_bits != 0 && curve->bits != type_bits)) {
    return Status(Code::kInvalidArgument, "key_message '" + key.key_name() + "' has curve '" + ecc.curve_name() +
                                              "' and type '" + key.key_type() +
                                              "'; supported: P-256 (ecc-256), P-384 (ecc-384)");
  }
  CF_RETURN_IF_ERROR(CheckCurveParameters(ecc, *curve, key.key_name()));
  ossl::Bn priv;
  if (!ecc.private_multiplier().empty()) {
    CF_ASSIGN_OR_RETURN(priv, BnFrom(ecc.private_multiplier(), "ECC private multiplier"));
  }
  CF_ASSIGN_OR_RETURN(Bytes point, EccPublicPoint(key, *curve, priv.get()));
  ossl::KeyParts parts{.key_type = ossl::kEcKeyType,
                       .key_pair = priv != nullptr,
                       .group_name = curve->openssl_name,
                       .public_point = point,
                       .numbers = {}};
  if (priv) parts.numbers.emplace_back(OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
  CF_ASSIGN_OR_RETURN(ossl::PKey pkey, ossl::PKeyFromParts(parts, NotAValidKey(key)));
  // fromdata does not check the point: a point off the curve would leak the private scalar in ECDH-like uses.
  Status checked = priv ? ossl::CheckKeyPair(pkey.get()) : ossl::CheckPublicKey(pkey.get());
  if (!checked.ok()) {
    return Status(Code::kInvalidArgument,
                  "key_message '" + key.key_name() +
                      "': ECC point not on the curve or not the private key's: " + checked.message());
  }
  return pkey;
}

}  // namespace

Result<ossl::PKey> PKeyFromKeyMessage(const wire::key_message& key) {
  std::optional<TypeName> type = ParseAsymmetricName(key.key_type());
  if (!type && key.key_type().empty()) {
    // Untyped messages occur in hand-made policies: go by which sub-message is present.
    if (key.has_rsa_key()) type = TypeName{"rsa", 0};
    if (key.has_ecc_key()) type = TypeName{"ecc", 0};
  }
  if (!type) {
    return Status(Code::kInvalidArgument,
                  "key_message '" + key.key_name() + "' has key_type '" + key.key_type() +
                      "', not an RSA or ECC key; expected e.g. rsa-2048-private, ecc-384-public");
  }
  if (type->family == "rsa") {
    if (!key.has_rsa_key()) {
      return Status(Code::kInvalidArgument,
                    "key_message '" + key.key_name() + "' of type '" + key.key_type() + "' has no rsa_key");
    }
    return RsaFromMessage(key, type->bits);
  }
  if (!key.has_ecc_key()) {
    return Status(Code::kInvalidArgument,
                  "key_message '" + key.key_name() + "' of type '" + key.key_type() + "' has no ecc_key");
  }
  return EccFromMessage(key, type->bits);
}
}  // namespace cf::keys
