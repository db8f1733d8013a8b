// Curve table and EC point / parameter encodings (see ec_curves.h).
#include "pkcs11/mech/ec_curves.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <cstring>
#include <optional>
#include <string>

#include "common/ossl_context.h"
#include "common/pkey_check.h"
#include "common/pkey_from_parts.h"

namespace cf::p11 {
namespace {

constexpr uint8_t kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr uint8_t kP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr uint8_t kP521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
constexpr uint8_t kEd25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
constexpr uint8_t kEd448[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
constexpr uint8_t kEd25519Name[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};
constexpr uint8_t kEd448Name[] = {0x13, 0x0a, 'e', 'd', 'w', 'a', 'r', 'd', 's', '4', '4', '8'};

const CurveInfo kCurves[] = {
    {"P-256", "prime256v1", CKK_EC, kP256, {}, 32, 256, 64},
    {"P-384", "secp384r1", CKK_EC, kP384, {}, 48, 384, 96},
    {"P-521", "secp521r1", CKK_EC, kP521, {}, 66, 521, 132},
    {"Ed25519", "ED25519", CKK_EC_EDWARDS, kEd25519, kEd25519Name, 32, 255, 64},
    {"Ed448", "ED448", CKK_EC_EDWARDS, kEd448, kEd448Name, 57, 448, 114},
};

bool Same(ByteView a, ByteView b) { return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0; }

// DER OCTET STRING around bytes, by OpenSSL's encoder: P-521 points (133 bytes) need the long length form 81 85.
Result<Bytes> DerOctetString(ByteView content) {
  ossl::Asn1OctetString str(ASN1_OCTET_STRING_new());
  if (!str || ASN1_OCTET_STRING_set(str.get(), content.data(), static_cast<int>(content.size())) != 1) {
    return ossl::Error("building an OCTET STRING");
  }
  int len = i2d_ASN1_OCTET_STRING(str.get(), nullptr);
  if (len <= 0) return ossl::Error("sizing an OCTET STRING");
  Bytes der(static_cast<size_t>(len));
  unsigned char* out = der.data();
  if (i2d_ASN1_OCTET_STRING(str.get(), &out) != len) return ossl::Error("encoding an OCTET STRING");
  return der;
}

// The content of a DER OCTET STRING that fills der exactly; nullopt when der is anything else.
std::optional<Bytes> ParseDerOctetString(ByteView der) {
  const unsigned char* in = der.data();
  ERR_set_mark();
  ossl::Asn1OctetString str(d2i_ASN1_OCTET_STRING(nullptr, &in, static_cast<long>(der.size())));
  ERR_pop_to_mark();  // not DER is no error here: the caller tries the raw reading next
  if (!str || in != der.data() + der.size()) return std::nullopt;
  const unsigned char* data = ASN1_STRING_get0_data(str.get());
  return Bytes(data, data + ASN1_STRING_length(str.get()));
}

}  // namespace

const CurveInfo* FindCurveByParams(ByteView ec_params, CK_KEY_TYPE key_type) {
  for (const CurveInfo& c : kCurves) {
    if (c.key_type != key_type) continue;
    if (Same(ec_params, c.oid_der) || (!c.printable_der.empty() && Same(ec_params, c.printable_der))) return &c;
  }
  return nullptr;
}

const CurveInfo* CurveOfKey(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) != 1) {
      return nullptr;
    }
    for (const CurveInfo& c : kCurves) {
      if (c.key_type == CKK_EC && std::strcmp(c.ossl_name, group) == 0) return &c;
    }
    return nullptr;
  }
  for (const CurveInfo& c : kCurves) {
    if (c.key_type == CKK_EC_EDWARDS && EVP_PKEY_is_a(pkey, c.ossl_name)) return &c;
  }
  return nullptr;
}

namespace {

// The default provider's EC keys take the process's default EC_KEY_METHOD, an application's engine included (it
// is not per library context): under libp11's they report compressed points. CKA_EC_POINT is uncompressed.
Result<Bytes> UncompressedPoint(const CurveInfo& curve, ByteView encoded) {
  ossl::EcGroup group(EC_GROUP_new_by_curve_name_ex(ossl::LibCtx(), ossl::kPropQuery, OBJ_sn2nid(curve.ossl_name)));
  ossl::EcPoint p(group ? EC_POINT_new(group.get()) : nullptr);
  if (!p || EC_POINT_oct2point(group.get(), p.get(), encoded.data(), encoded.size(), nullptr) != 1) {
    return ossl::Error("decoding the public point");
  }
  Bytes out(2 * curve.field_bytes + 1);
  if (EC_POINT_point2oct(group.get(), p.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(), nullptr) !=
      out.size()) {
    return ossl::Error("encoding the public point uncompressed");
  }
  return out;
}

}  // namespace

Result<Bytes> EcPointAttribute(const EVP_PKEY* pkey) {
  const CurveInfo* curve = CurveOfKey(pkey);
  if (curve == nullptr) return Status(Code::kInvalidArgument, "key is on no supported curve");
  uint8_t point[2 * 66 + 1];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &len) != 1) {
    return ossl::Error("reading the public point");
  }
  if (curve->key_type == CKK_EC && len != 2 * curve->field_bytes + 1) {
    CF_ASSIGN_OR_RETURN(Bytes uncompressed, UncompressedPoint(*curve, ByteView(point, len)));
    return DerOctetString(uncompressed);
  }
  return DerOctetString(ByteView(point, len));
}

Result<Bytes> UnwrapEcPoint(ByteView value, const CurveInfo& curve) {
  size_t raw_len = curve.key_type == CKK_EC ? 2 * curve.field_bytes + 1 : curve.field_bytes;
  std::optional<Bytes> content = ParseDerOctetString(value);
  if (content.has_value() && content->size() == raw_len) return *std::move(content);
  // A raw point is accepted too (PKCS#11 2.x applications and ECDH peers send it so). The DER reading wins only
  // when its content has the point's length, which a raw point read as DER never has.
  if (value.size() == raw_len && (curve.key_type == CKK_EC_EDWARDS || value[0] == 0x04)) {
    return Bytes(value.begin(), value.end());
  }
  return Status(Code::kInvalidArgument, std::string("EC point of ") + std::to_string(value.size()) +
                                            " bytes is neither a DER OCTET STRING nor a raw uncompressed " +
                                            curve.name + " point (" + std::to_string(raw_len) + " bytes)");
}

Result<ossl::PKey> MakeCurveKey(const CurveInfo& curve, ByteView public_point, const SecureBytes* private_value) {
  if (curve.key_type == CKK_EC_EDWARDS) {
    // Edwards keys: the private seed determines the public key; the caller checks they match.
    EVP_PKEY* raw = private_value != nullptr
                        ? EVP_PKEY_new_raw_private_key_ex(ossl::LibCtx(), curve.ossl_name, ossl::kPropQuery,
                                                          private_value->data(), private_value->size())
                        : EVP_PKEY_new_raw_public_key_ex(ossl::LibCtx(), curve.ossl_name, ossl::kPropQuery,
                                                         public_point.data(), public_point.size());
    if (raw == nullptr) return ossl::Error(std::string("building an ") + curve.name + " key");
    return ossl::PKey(raw);
  }
  ossl::KeyParts parts{.key_type = ossl::kEcKeyType,
                       .key_pair = private_value != nullptr,
                       .group_name = curve.ossl_name,
                       .public_point = public_point,
                       .numbers = {}};
  ossl::Bn priv;  // kept alive until the key is built: the parts refer to it
  if (private_value != nullptr) {
    priv.reset(BN_secure_new());
    if (!priv || BN_bin2bn(private_value->data(), static_cast<int>(private_value->size()), priv.get()) == nullptr) {
      return ossl::Error("building EC private key parameters");
    }
    parts.numbers.emplace_back(OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
  }
  auto built =
      ossl::PKeyFromParts(parts, std::string("building a ") + curve.name + " key (is the point on the curve?)");
  if (!built.ok()) return Status(Code::kInternal, built.status().message());
  ossl::PKey key = std::move(built).value();
  // fromdata does not check the point; a point off the curve would leak the private key in ECDH.
  // Every curve of kCurves with key type CKK_EC has cofactor 1.
  Status checked =
      private_value != nullptr ? ossl::CheckKeyPair(key.get()) : ossl::CheckPrimeOrderCurvePoint(key.get());
  if (!checked.ok()) {
    return Status(Code::kInternal, std::string("checking a ") + curve.name + " key: " + checked.message());
  }
  return key;
}

}  // namespace cf::p11
