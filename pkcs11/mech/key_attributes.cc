// DescribeKey: the attributes that follow from key material (mechanism.h). Private components are returned as
// values for the model to store and to guard (CKA_SENSITIVE); this file never decides visibility.
#include <openssl/core_names.h>
#include <openssl/x509.h>

#include "pkcs11/mech/attribute_values.h"
#include "pkcs11/mech/ec_curves.h"
#include "pkcs11/mech/key_material.h"

namespace cf::p11 {
namespace {

Status AddBn(const EVP_PKEY* pkey, const char* param, CK_ATTRIBUTE_TYPE type, std::vector<Attribute>* out) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) return ossl::Error(std::string("reading RSA ") + param);
  ossl::Bn bn(raw);
  out->push_back(BignumAttribute(type, bn.get()));
  return Status::Ok();
}

Status AddPublicKeyInfo(const EVP_PKEY* pkey, std::vector<Attribute>* out) {
  int len = i2d_PUBKEY(pkey, nullptr);
  if (len <= 0) return ossl::Error("encoding CKA_PUBLIC_KEY_INFO");
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_PUBKEY(pkey, &p) != len) return ossl::Error("encoding CKA_PUBLIC_KEY_INFO");
  out->push_back(Attribute{CKA_PUBLIC_KEY_INFO, std::move(der)});
  return Status::Ok();
}

Status DescribeRsa(const KeyMaterial& key, std::vector<Attribute>* out) {
  const EVP_PKEY* pkey = key.pkey.get();
  CF_RETURN_IF_ERROR(AddBn(pkey, OSSL_PKEY_PARAM_RSA_N, CKA_MODULUS, out));
  out->push_back(UlongAttribute(CKA_MODULUS_BITS, static_cast<CK_ULONG>(EVP_PKEY_get_bits(pkey))));
  CF_RETURN_IF_ERROR(AddBn(pkey, OSSL_PKEY_PARAM_RSA_E, CKA_PUBLIC_EXPONENT, out));
  CF_RETURN_IF_ERROR(AddPublicKeyInfo(pkey, out));
  if (key.object_class != CKO_PRIVATE_KEY) return Status::Ok();
  CF_RETURN_IF_ERROR(AddBn(pkey, OSSL_PKEY_PARAM_RSA_D, CKA_PRIVATE_EXPONENT, out));
  CF_RETURN_IF_ERROR(AddBn(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, CKA_PRIME_1, out));
  CF_RETURN_IF_ERROR(AddBn(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, CKA_PRIME_2, out));
  CF_RETURN_IF_ERROR(AddBn(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1, CKA_EXPONENT_1, out));
  CF_RETURN_IF_ERROR(AddBn(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2, CKA_EXPONENT_2, out));
  return AddBn(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, CKA_COEFFICIENT, out);
}

Status DescribeCurveKey(const KeyMaterial& key, std::vector<Attribute>* out) {
  const EVP_PKEY* pkey = key.pkey.get();
  const CurveInfo* curve = CurveOfKey(pkey);
  if (curve == nullptr || curve->key_type != key.key_type) {
    return Rv(CKR_KEY_TYPE_INCONSISTENT, "key material is not on a supported curve of its key type");
  }
  out->push_back(BytesAttribute(CKA_EC_PARAMS, curve->oid_der));
  CF_ASSIGN_OR_RETURN(Bytes point, EcPointAttribute(pkey));
  out->push_back(Attribute{CKA_EC_POINT, std::move(point)});
  CF_RETURN_IF_ERROR(AddPublicKeyInfo(pkey, out));
  if (key.object_class != CKO_PRIVATE_KEY) return Status::Ok();
  if (curve->key_type == CKK_EC_EDWARDS) {
    SecureBytes seed(curve->field_bytes);
    size_t len = seed.size();
    if (EVP_PKEY_get_raw_private_key(pkey, seed.data(), &len) != 1) return ossl::Error("reading the EdDSA seed");
    out->push_back(BytesAttribute(CKA_VALUE, ByteView(seed.data(), len)));
    return Status::Ok();
  }
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) return ossl::Error("reading the EC scalar");
  ossl::Bn d(raw);
  // CKA_VALUE of an EC private key: the scalar, big-endian, padded to the order's length.
  SecureBytes value(curve->field_bytes);
  if (BN_bn2binpad(d.get(), value.data(), static_cast<int>(value.size())) < 0) {
    return Status(Code::kInternal, "EC scalar longer than the field");
  }
  out->push_back(BytesAttribute(CKA_VALUE, value));
  return Status::Ok();
}

}  // namespace

Result<std::vector<Attribute>> DescribeKey(const KeyMaterial& key) {
  std::vector<Attribute> out;
  out.push_back(UlongAttribute(CKA_KEY_TYPE, key.key_type));
  if (key.object_class == CKO_SECRET_KEY) {
    if (!key.secret) return Rv(CKR_KEY_TYPE_INCONSISTENT, "secret key without key bytes");
    out.push_back(BytesAttribute(CKA_VALUE, *key.secret));
    out.push_back(UlongAttribute(CKA_VALUE_LEN, static_cast<CK_ULONG>(key.secret->size())));
    return out;
  }
  if (!key.pkey) return Rv(CKR_KEY_TYPE_INCONSISTENT, "public or private key without key material");
  switch (key.key_type) {
    case CKK_RSA:
      CF_RETURN_IF_ERROR(DescribeRsa(key, &out));
      break;
    case CKK_EC:
    case CKK_EC_EDWARDS:
      CF_RETURN_IF_ERROR(DescribeCurveKey(key, &out));
      break;
    default:
      return Rv(CKR_KEY_TYPE_INCONSISTENT, "key type " + std::to_string(key.key_type) +
                                               " is not an asymmetric "
                                               "type this token supports (RSA, EC, EC_EDWARDS)");
  }
  return out;
}

}  // namespace cf::p11
