// key_message <-> EVP_PKEY for RSA and ECC (P-256, P-384), and key generation by the framework's algorithm names.
// Numbers are written as the framework's C++ side writes them (BN_bn2bin: unsigned big-endian, no leading zeros)
// and read in any padding (the Go side pads). Every key read is checked (modulus vs primes, point on curve).
#include "proto/key_codec.h"

#include <openssl/core_names.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "common/pkey_check.h"
#include "common/random.h"
#include "common/time_text.h"

namespace cf::keys {
namespace {

constexpr char kKeyFormat[] = "vse-key";

struct SymmetricAlgorithm {
  std::string_view name;
  size_t secret_bytes;
};
// The framework's symmetric key types and their secret sizes (CF-REFERENCE.md section 6).
constexpr std::array<SymmetricAlgorithm, 4> kSymmetric = {{
    {"aes-256-gcm", 32},
    {"aes-256-cbc-hmac-sha256", 64},
    {"aes-256-cbc-hmac-sha384", 80},
    {"aes-256", 32},
}};

struct Curve {
  int bits;                    // as in "ecc-256"
  const char* framework_name;  // ecc_message.curve_name
  const char* openssl_name;    // OSSL_PKEY_PARAM_GROUP_NAME
  int nid;
};
constexpr std::array<Curve, 2> kCurves = {{
    {256, "P-256", "prime256v1", NID_X9_62_prime256v1},
    {384, "P-384", "secp384r1", NID_secp384r1},
}};

// Lower case, '_' as '-': the framework's flags and docs use both ("rsa_2048", "rsa-2048").
std::string Normalize(std::string_view name) {
  std::string out;
  for (char c : name) out += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const SymmetricAlgorithm* FindSymmetric(std::string_view name) {
  std::string n = Normalize(name);
  for (const auto& s : kSymmetric) {
    if (s.name == n) return &s;
  }
  return nullptr;
}

const Curve* CurveByFrameworkName(std::string_view name) {
  std::string n = Normalize(name);
  for (const auto& c : kCurves) {
    if (Normalize(c.framework_name) == n || c.openssl_name == n) return &c;
  }
  return nullptr;
}

const Curve* CurveByBits(int bits) {
  for (const auto& c : kCurves) {
    if (c.bits == bits) return &c;
  }
  return nullptr;
}

// "rsa-2048", "rsa-2048-private", "ecc-384-public", "ecc-p384" -> family and size; 0 bits when the type carries none.
struct TypeName {
  std::string family;  // "rsa" or "ecc"
  int bits = 0;
};
std::optional<TypeName> ParseAsymmetricName(std::string_view name) {
  std::string n = Normalize(name);
  for (const char* suffix : {"-private", "-public"}) {
    if (n.ends_with(suffix)) n.resize(n.size() - std::string_view(suffix).size());
  }
  TypeName t;
  if (n.starts_with("rsa")) {
    t.family = "rsa";
  } else if (n.starts_with("ecc")) {
    t.family = "ecc";
  } else {
    return std::nullopt;
  }
  std::string rest = n.substr(3);
  if (rest.starts_with("-")) rest.erase(0, 1);
  if (t.family == "ecc" && rest.starts_with("p")) rest.erase(0, 1);
  if (rest.starts_with("-")) rest.erase(0, 1);
  if (rest.empty()) return t;
  if (rest.size() > 5 || !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  t.bits = std::stoi(rest);
  return t;
}

std::string BnBytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// BN_bin2bn into a secure BIGNUM (private parts pass through here too).
Result<ossl::Bn> BnFrom(const std::string& bytes, const char* what) {
  ossl::Bn bn(BN_secure_new());
  if (!bn || BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                       bn.get()) == nullptr) {
    return ossl::Error(std::string("reading ") + what);
  }
  return bn;
}

Result<ossl::Bn> GetBn(EVP_PKEY* pkey, const char* param) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) {
    return ossl::Error(std::string("reading key parameter ") + param);
  }
  return ossl::Bn(raw);
}

Result<ossl::PKey> FromData(const char* type, int selection, OSSL_PARAM_BLD* bld, const std::string& what) {
  ossl::Params params(OSSL_PARAM_BLD_to_param(bld));
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return Status(Code::kInvalidArgument, ossl::ErrorString("key_message " + what + " is not a valid key"));
  }
  return ossl::PKey(raw);
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
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return ossl::Error("building RSA parameters");
  }
  if (rsa.private_exponent().empty())
    return FromData(ossl::kRsaKeyType, EVP_PKEY_PUBLIC_KEY, bld.get(), "'" + key.key_name() + "'");

  // Kept alive until the parameters are built: OSSL_PARAM_BLD refers to them.
  CF_ASSIGN_OR_RETURN(ossl::Bn d, BnFrom(rsa.private_exponent(), "RSA private exponent"));
  std::array<ossl::Bn, 5> crt;
  if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) != 1) return ossl::Error("RSA d");
  if (!rsa.private_p().empty() && !rsa.private_q().empty()) {
    CF_ASSIGN_OR_RETURN(crt[0], BnFrom(rsa.private_p(), "RSA p"));
    CF_ASSIGN_OR_RETURN(crt[1], BnFrom(rsa.private_q(), "RSA q"));
    ossl::BnCtx ctx(BN_CTX_secure_new());
    ossl::Bn pq(BN_secure_new()), p1(BN_secure_new()), q1(BN_secure_new());
    for (int i = 2; i < 5; ++i) crt[i].reset(BN_secure_new());
    if (!ctx || !pq || !p1 || !q1 || !crt[2] || !crt[3] || !crt[4] ||
        BN_mul(pq.get(), crt[0].get(), crt[1].get(), ctx.get()) != 1) {
      return ossl::Error("checking RSA primes");
    }
    // A private key whose primes do not make its modulus would sign garbage: refuse it here.
    if (BN_cmp(pq.get(), n.get()) != 0) {
      return Status(Code::kInvalidArgument,
                    "key_message '" + key.key_name() + "': RSA private_p * private_q != public_modulus");
    }
    // The framework's C++ keys carry dp/dq/iqmp, its Go keys may not; compute them when missing.
    bool have_crt = !rsa.private_dp().empty() && !rsa.private_dq().empty() && !rsa.private_iqmp().empty();
    if (have_crt) {
      CF_ASSIGN_OR_RETURN(crt[2], BnFrom(rsa.private_dp(), "RSA dp"));
      CF_ASSIGN_OR_RETURN(crt[3], BnFrom(rsa.private_dq(), "RSA dq"));
      CF_ASSIGN_OR_RETURN(crt[4], BnFrom(rsa.private_iqmp(), "RSA iqmp"));
    } else if (BN_sub(p1.get(), crt[0].get(), BN_value_one()) != 1 ||
               BN_sub(q1.get(), crt[1].get(), BN_value_one()) != 1 ||
               BN_mod(crt[2].get(), d.get(), p1.get(), ctx.get()) != 1 ||
               BN_mod(crt[3].get(), d.get(), q1.get(), ctx.get()) != 1 ||
               BN_mod_inverse(crt[4].get(), crt[1].get(), crt[0].get(), ctx.get()) == nullptr) {
      return Status(Code::kInvalidArgument, ossl::ErrorString("key_message '" + key.key_name() +
                                                              "': RSA primes do not allow CRT values"));
    }
    const char* names[5] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
                            OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    for (int i = 0; i < 5; ++i) {
      if (OSSL_PARAM_BLD_push_BN(bld.get(), names[i], crt[i].get()) != 1) return ossl::Error("RSA CRT parameters");
    }
  }
  return FromData(ossl::kRsaKeyType, EVP_PKEY_KEYPAIR, bld.get(), "'" + key.key_name() + "'");
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
  ossl::EcGroup group(EC_GROUP_new_by_curve_name(curve.nid));
  ossl::Bn p(BN_new()), a(BN_new()), b(BN_new());
  if (!group || !p || !a || !b || EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), nullptr) != 1) {
    return ossl::Error("reading curve parameters");
  }
  const BIGNUM* order = EC_GROUP_get0_order(group.get());
  std::array<std::pair<const std::string*, const BIGNUM*>, 4> pairs = {
      {{&ecc.curve_p(), p.get()}, {&ecc.curve_a(), a.get()}, {&ecc.curve_b(), b.get()},
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
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->openssl_name, 0) != 1) {
    return ossl::Error("building EC parameters");
  }
  ossl::Bn priv;
  std::string point;
  if (!ecc.private_multiplier().empty()) {
    CF_ASSIGN_OR_RETURN(priv, BnFrom(ecc.private_multiplier(), "ECC private multiplier"));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1) return ossl::Error("EC key");
  }
  if (ecc.has_public_point()) {
    CF_ASSIGN_OR_RETURN(point, EncodePoint(ecc.public_point(), (curve->bits + 7) / 8, key.key_name()));
  } else if (priv) {
    // A private multiplier alone still defines the key: derive the public point from it.
    ossl::EcGroup group(EC_GROUP_new_by_curve_name(curve->nid));
    ossl::EcPoint pub(group ? EC_POINT_new(group.get()) : nullptr);
    if (!pub || EC_POINT_mul(group.get(), pub.get(), priv.get(), nullptr, nullptr, nullptr) != 1) {
      return ossl::Error("deriving the ECC public point");
    }
    point.resize(EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, nullptr, 0, nullptr));
    EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED,
                       reinterpret_cast<unsigned char*>(point.data()), point.size(), nullptr);
  } else {
    return Status(Code::kInvalidArgument, "key_message '" + key.key_name() + "' has neither public_point nor "
                                          "private_multiplier");
  }
  if (OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return ossl::Error("EC public point");
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey pkey, FromData(ossl::kEcKeyType, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                                                bld.get(), "'" + key.key_name() + "'"));
  // fromdata does not check the point: a point off the curve would leak the private scalar in ECDH-like uses.
  Status checked = priv ? ossl::CheckKeyPair(pkey.get()) : ossl::CheckPublicKey(pkey.get());
  if (!checked.ok()) {
    return Status(Code::kInvalidArgument,
                  "key_message '" + key.key_name() +
                      "': ECC point not on the curve or not the private key's: " + checked.message());
  }
  return pkey;
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
  ossl::EcGroup group(EC_GROUP_new_by_curve_name(curve.nid));
  ossl::Bn p(BN_new()), a(BN_new()), b(BN_new()), gx(BN_new()), gy(BN_new());
  if (!group || !p || !a || !b || !gx || !gy ||
      EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), nullptr) != 1 ||
      EC_POINT_get_affine_coordinates(group.get(), EC_GROUP_get0_generator(group.get()), gx.get(), gy.get(),
                                      nullptr) != 1) {
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

bool IsSymmetricAlgorithm(std::string_view algorithm) { return FindSymmetric(algorithm) != nullptr; }

bool IsPrivateKeyType(std::string_view key_type) { return Normalize(key_type).ends_with("-private"); }

Result<ossl::PKey> PKeyFromKeyMessage(const wire::key_message& key) {
  std::optional<TypeName> type = ParseAsymmetricName(key.key_type());
  if (!type && key.key_type().empty()) {
    // Untyped messages occur in hand-made policies: go by which sub-message is present.
    if (key.has_rsa_key()) type = TypeName{"rsa", 0};
    if (key.has_ecc_key()) type = TypeName{"ecc", 0};
  }
  if (!type) {
    return Status(Code::kInvalidArgument, "key_message '" + key.key_name() + "' has key_type '" + key.key_type() +
                                              "', not an RSA or ECC key; expected e.g. rsa-2048-private, ecc-384-public");
  }
  if (type->family == "rsa") {
    if (!key.has_rsa_key()) {
      return Status(Code::kInvalidArgument, "key_message '" + key.key_name() + "' of type '" + key.key_type() +
                                                "' has no rsa_key");
    }
    return RsaFromMessage(key, type->bits);
  }
  if (!key.has_ecc_key()) {
    return Status(Code::kInvalidArgument, "key_message '" + key.key_name() + "' of type '" + key.key_type() +
                                              "' has no ecc_key");
  }
  return EccFromMessage(key, type->bits);
}

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
      return Status(Code::kUnimplemented, std::string("EC curve ") + group +
                                              " has no Certifier Framework key_type; use P-256 or P-384");
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
    return Status(Code::kInvalidArgument, "key validity of " + std::to_string(validity_seconds) +
                                              " seconds; give a positive duration");
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
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(type->bits)));
    } else if (type && type->family == "ecc" && CurveByBits(type->bits) != nullptr) {
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", CurveByBits(type->bits)->openssl_name));
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
