// ImportKey: key material from a C_CreateObject / C_UnwrapKey template or a stored object (mechanism.h).
// Every imported key is checked (RSA and EC pairwise / on-curve checks) so a bad template fails here with the
// attribute at fault, never later inside a signature.
#include <openssl/core_names.h>

#include <array>

#include "common/ossl_context.h"
#include "common/pkey_check.h"
#include "common/pkey_from_parts.h"
#include "pkcs11/mech/attribute_values.h"
#include "pkcs11/mech/ec_curves.h"
#include "pkcs11/mech/families.h"
#include "pkcs11/mech/key_material.h"
#include "pkcs11/mech/param_checks.h"

namespace cf::p11 {
namespace {

Result<ossl::Bn> Required(const AttributeLookup& lookup, CK_ATTRIBUTE_TYPE type, const char* name) {
  CF_ASSIGN_OR_RETURN(std::optional<ossl::Bn> bn, ReadBignum(lookup, type));
  if (!bn) return Rv(CKR_TEMPLATE_INCOMPLETE, std::string("RSA key import needs ") + name);
  return std::move(*bn);
}

Result<KeyMaterial> ImportRsa(CK_OBJECT_CLASS object_class, const AttributeLookup& lookup) {
  CF_ASSIGN_OR_RETURN(ossl::Bn n, Required(lookup, CKA_MODULUS, "CKA_MODULUS"));
  CF_ASSIGN_OR_RETURN(ossl::Bn e, Required(lookup, CKA_PUBLIC_EXPONENT, "CKA_PUBLIC_EXPONENT"));
  int bits = BN_num_bits(n.get());
  if (bits < 1024 || bits > 16384) {
    return Rv(CKR_KEY_SIZE_RANGE, "RSA modulus of " + std::to_string(bits) + " bits; supported 1024..16384");
  }
  ossl::KeyParts parts{.key_type = ossl::kRsaKeyType,
                       .key_pair = object_class == CKO_PRIVATE_KEY,
                       .numbers = {{OSSL_PKEY_PARAM_RSA_N, n.get()}, {OSSL_PKEY_PARAM_RSA_E, e.get()}}};
  // Kept alive until the key is built: the parts refer to them.
  ossl::Bn d, p, q;
  std::array<ossl::Bn, 3> crt;
  if (object_class == CKO_PRIVATE_KEY) {
    CF_ASSIGN_OR_RETURN(d, Required(lookup, CKA_PRIVATE_EXPONENT, "CKA_PRIVATE_EXPONENT"));
    CF_ASSIGN_OR_RETURN(std::optional<ossl::Bn> op, ReadBignum(lookup, CKA_PRIME_1));
    CF_ASSIGN_OR_RETURN(std::optional<ossl::Bn> oq, ReadBignum(lookup, CKA_PRIME_2));
    if (!op || !oq) {
      // Recovering p and q from (n, e, d) is possible but OpenSSL 3.0 has no public call for it.
      return Rv(CKR_TEMPLATE_INCOMPLETE,
                "RSA private key import needs CKA_PRIME_1 and CKA_PRIME_2 (n, e, d alone "
                "are not supported); export the key with its CRT components");
    }
    p = std::move(*op);
    q = std::move(*oq);
    CF_ASSIGN_OR_RETURN(std::optional<ossl::Bn> dp, ReadBignum(lookup, CKA_EXPONENT_1));
    CF_ASSIGN_OR_RETURN(std::optional<ossl::Bn> dq, ReadBignum(lookup, CKA_EXPONENT_2));
    CF_ASSIGN_OR_RETURN(std::optional<ossl::Bn> qinv, ReadBignum(lookup, CKA_COEFFICIENT));
    if (dp && dq && qinv) {
      crt = {std::move(*dp), std::move(*dq), std::move(*qinv)};
    } else {
      // OpenSSL signs about 4x slower without them.
      auto computed = ossl::RsaCrtValues(p.get(), q.get(), d.get());
      if (!computed.ok()) {
        return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "RSA primes do not allow CRT values (q not invertible mod p)");
      }
      crt = std::move(*computed);
    }
    parts.numbers.insert(parts.numbers.end(), {{OSSL_PKEY_PARAM_RSA_D, d.get()},
                                               {OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()},
                                               {OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()},
                                               {OSSL_PKEY_PARAM_RSA_EXPONENT1, crt[0].get()},
                                               {OSSL_PKEY_PARAM_RSA_EXPONENT2, crt[1].get()},
                                               {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, crt[2].get()}});
  }
  auto built = ossl::PKeyFromParts(parts, "RSA components rejected");
  if (!built.ok()) {
    if (built.status().code() != Code::kInvalidArgument) return built.status();
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, built.status().message());
  }
  ossl::PKey key = std::move(built).value();
  Status checked = object_class == CKO_PRIVATE_KEY ? ossl::CheckKeyPair(key.get()) : ossl::CheckPublicKey(key.get());
  if (!checked.ok()) return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "RSA components are inconsistent: " + checked.message());
  return KeyMaterial{.object_class = object_class, .key_type = CKK_RSA, .pkey = SharePKey(std::move(key))};
}

// EC private keys carry no CKA_EC_POINT (it is a public key attribute): the point is d*G.
Result<Bytes> PublicPointOf(const CurveInfo& curve, const SecureBytes& scalar) {
  ossl::EcGroup group(EC_GROUP_new_by_curve_name_ex(ossl::LibCtx(), ossl::kPropQuery, OBJ_sn2nid(curve.ossl_name)));
  ossl::Bn d(BN_secure_new());
  if (!group || !d || BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), d.get()) == nullptr) {
    return ossl::Error("reading the EC scalar");
  }
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, std::string("CKA_VALUE is not a valid ") + curve.name + " scalar");
  }
  return ossl::EcPublicPoint(EC_GROUP_get_curve_name(group.get()), d.get());
}

Result<KeyMaterial> ImportCurveKey(CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type, const AttributeLookup& lookup) {
  std::optional<ByteView> params = lookup(CKA_EC_PARAMS);
  if (!params) return Rv(CKR_TEMPLATE_INCOMPLETE, "EC key import needs CKA_EC_PARAMS");
  const CurveInfo* curve = FindCurveByParams(*params, key_type);
  if (curve == nullptr) {
    return Rv(CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS " + HexEncode(*params) + " names no supported curve");
  }
  Result<ossl::PKey> key = Status(Code::kInternal, "unset");
  if (object_class == CKO_PRIVATE_KEY) {
    std::optional<ByteView> value = lookup(CKA_VALUE);
    if (!value) return Rv(CKR_TEMPLATE_INCOMPLETE, "EC private key import needs CKA_VALUE");
    size_t want = curve->field_bytes;
    if (value->empty() || value->size() > want || (key_type == CKK_EC_EDWARDS && value->size() != want)) {
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID, std::string("CKA_VALUE of ") + std::to_string(value->size()) +
                                                 " bytes for " + curve->name + " (expected " + std::to_string(want) +
                                                 ")");
    }
    SecureBytes secret(want - value->size(), 0);  // left-pad short EC scalars
    secret.insert(secret.end(), value->begin(), value->end());
    Bytes point;
    if (key_type == CKK_EC) {
      CF_ASSIGN_OR_RETURN(point, PublicPointOf(*curve, secret));
    }
    key = MakeCurveKey(*curve, point, &secret);
  } else {
    std::optional<ByteView> value = lookup(CKA_EC_POINT);
    if (!value) return Rv(CKR_TEMPLATE_INCOMPLETE, "EC public key import needs CKA_EC_POINT");
    Result<Bytes> point = UnwrapEcPoint(*value, *curve);
    if (!point.ok()) return Rv(CKR_ATTRIBUTE_VALUE_INVALID, point.status().message());
    key = MakeCurveKey(*curve, *point, nullptr);
  }
  if (!key.ok()) return Rv(CKR_ATTRIBUTE_VALUE_INVALID, key.status().message());
  return KeyMaterial{
      .object_class = object_class, .key_type = key_type, .pkey = SharePKey(std::move(*key)), .curve = curve};
}

Result<KeyMaterial> ImportSecret(CK_KEY_TYPE key_type, const AttributeLookup& lookup) {
  std::optional<ByteView> value = lookup(CKA_VALUE);
  if (!value) return Rv(CKR_TEMPLATE_INCOMPLETE, "secret key import needs CKA_VALUE");
  CF_ASSIGN_OR_RETURN(std::optional<CK_ULONG> len, ReadUlong(lookup, CKA_VALUE_LEN));
  if (len && *len != value->size()) {
    return Rv(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN " + std::to_string(*len) + " but CKA_VALUE has " +
                                             std::to_string(value->size()) + " bytes");
  }
  if (key_type == CKK_AES && value->size() != 16 && value->size() != 24 && value->size() != 32) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID,
              "AES key of " + std::to_string(value->size()) + " bytes; AES keys are 16, 24 or 32 bytes");
  }
  if (value->empty()) return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "empty secret key");
  return KeyMaterial{.object_class = CKO_SECRET_KEY,
                     .key_type = key_type,
                     .secret = std::make_shared<const SecureBytes>(value->begin(), value->end())};
}

}  // namespace

Result<KeyMaterial> ImportKey(CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type, const AttributeLookup& lookup) {
  if (object_class == CKO_SECRET_KEY) {
    if (key_type != CKK_AES && key_type != CKK_GENERIC_SECRET && key_type != CKK_HKDF) {
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "secret key type " + std::to_string(key_type) +
                                                 " unsupported; use CKK_AES, CKK_GENERIC_SECRET or CKK_HKDF");
    }
    return ImportSecret(key_type, lookup);
  }
  if (object_class != CKO_PUBLIC_KEY && object_class != CKO_PRIVATE_KEY) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "class " + std::to_string(object_class) + " is not a key class");
  }
  switch (key_type) {
    case CKK_RSA:
      return ImportRsa(object_class, lookup);
    case CKK_EC:
    case CKK_EC_EDWARDS:
      return ImportCurveKey(object_class, key_type, lookup);
    default:
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID,
                "key type " + std::to_string(key_type) + " unsupported; use CKK_RSA, CKK_EC or CKK_EC_EDWARDS");
  }
}

}  // namespace cf::p11
