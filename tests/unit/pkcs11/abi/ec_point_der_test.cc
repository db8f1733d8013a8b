// CKA_EC_POINT through the C ABI, for every curve, checked by OpenSSL rather than by our own DER code: a point
// the token generates parses as a DER OCTET STRING (long length form for P-521's 133 bytes) holding a point on the
// curve CKA_EC_PARAMS names, and signatures made with the key verify under it; an OpenSSL-made key, its point
// wrapped by OpenSSL's DER encoder, imports through C_CreateObject and verifies what the token signs.
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <memory>

#include "common/ossl.h"
#include "p11_fixture.h"

namespace cf::p11::test {
namespace {

using Bytes = std::vector<unsigned char>;
// The project's RAII owners (common/ossl.h), under the short names this test reads with.
using PKey = ossl::PKey;
using Octets = ossl::Asn1OctetString;
using Group = ossl::EcGroup;
using Point = ossl::EcPoint;
using Sig = ossl::EcdsaSig;
using MdCtx = ossl::MdCtx;
using Bn = ossl::Bn;

struct Curve {
  const char* ossl_name;  // group name for EC, key type for Edwards
  bool edwards;
  Bytes params;        // DER OID for CKA_EC_PARAMS
  size_t point_bytes;  // uncompressed point / raw public key
  size_t field_bytes;  // ECDSA r and s; private value length
};

const Curve kCurves[] = {
    {"prime256v1", false, {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, 65, 32},
    {"secp384r1", false, {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}, 97, 48},
    {"secp521r1", false, {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}, 133, 66},
    {"ED25519", true, {0x06, 0x03, 0x2b, 0x65, 0x70}, 32, 32},
    {"ED448", true, {0x06, 0x03, 0x2b, 0x65, 0x71}, 57, 57},
};

// The content of der when OpenSSL reads it as one DER OCTET STRING filling it exactly; empty otherwise.
Bytes OctetStringContent(const Bytes& der) {
  const unsigned char* in = der.data();
  Octets str(d2i_ASN1_OCTET_STRING(nullptr, &in, static_cast<long>(der.size())));
  if (!str || in != der.data() + der.size()) return {};
  const unsigned char* data = ASN1_STRING_get0_data(str.get());
  return Bytes(data, data + ASN1_STRING_length(str.get()));
}

// OpenSSL's DER encoding of an OCTET STRING.
Bytes DerOctetString(const Bytes& content) {
  Octets str(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(str.get(), content.data(), static_cast<int>(content.size()));
  Bytes der(static_cast<size_t>(i2d_ASN1_OCTET_STRING(str.get(), nullptr)));
  unsigned char* out = der.data();
  i2d_ASN1_OCTET_STRING(str.get(), &out);
  return der;
}

// An OpenSSL public key from CKA_EC_PARAMS and the raw point: the group from the DER OID, the point decoded on it.
PKey PublicKeyFrom(const Curve& c, const Bytes& params, const Bytes& point) {
  if (c.edwards) {
    return PKey(EVP_PKEY_new_raw_public_key_ex(nullptr, c.ossl_name, nullptr, point.data(), point.size()));
  }
  const unsigned char* in = params.data();
  Group group(d2i_ECPKParameters(nullptr, &in, static_cast<long>(params.size())));
  Point decoded(group ? EC_POINT_new(group.get()) : nullptr);
  if (!decoded || EC_POINT_oct2point(group.get(), decoded.get(), point.data(), point.size(), nullptr) != 1 ||
      EC_POINT_is_on_curve(group.get(), decoded.get(), nullptr) != 1) {
    return nullptr;
  }
  const char* name = OBJ_nid2sn(EC_GROUP_get_curve_name(group.get()));
  OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
                    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<unsigned char*>(point.data()),
                                                      point.size()),
                    OSSL_PARAM_construct_end()};
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, p) != 1) {
    return nullptr;
  }
  return PKey(key);
}

// OpenSSL verifies a token signature: raw r||s for ECDSA (re-encoded as ECDSA-Sig), plain for EdDSA.
bool OpenSslVerifies(const Curve& c, EVP_PKEY* key, const Bytes& data, const Bytes& sig) {
  Bytes der = sig;
  if (!c.edwards) {
    if (sig.size() != 2 * c.field_bytes) return false;
    Sig s(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(sig.data(), static_cast<int>(c.field_bytes), nullptr);
    BIGNUM* ss = BN_bin2bn(sig.data() + c.field_bytes, static_cast<int>(c.field_bytes), nullptr);
    ECDSA_SIG_set0(s.get(), r, ss);
    der.resize(static_cast<size_t>(i2d_ECDSA_SIG(s.get(), nullptr)));
    unsigned char* out = der.data();
    i2d_ECDSA_SIG(s.get(), &out);
  }
  MdCtx md(EVP_MD_CTX_new());
  return EVP_DigestVerifyInit_ex(md.get(), nullptr, c.edwards ? nullptr : "SHA256", nullptr, nullptr, key, nullptr) ==
             1 &&
         EVP_DigestVerify(md.get(), der.data(), der.size(), data.data(), data.size()) == 1;
}

class EcPointDerTest : public ModuleTest {
 protected:
  CK_MECHANISM SignMechanism(const Curve& c) {
    return CK_MECHANISM{c.edwards ? CKM_EDDSA : CKM_ECDSA_SHA256, nullptr, 0};
  }
  Bytes Sign(CK_SESSION_HANDLE s, const Curve& c, CK_OBJECT_HANDLE priv, const Bytes& data) {
    CK_MECHANISM m = SignMechanism(c);
    Bytes sig(200);
    CK_ULONG len = sig.size();
    EXPECT_EQ(f_->C_SignInit(s, &m, priv), CKR_OK);
    EXPECT_EQ(f_->C_Sign(s, const_cast<unsigned char*>(data.data()), data.size(), sig.data(), &len), CKR_OK);
    sig.resize(len);
    return sig;
  }
  CK_RV Verify(CK_SESSION_HANDLE s, const Curve& c, CK_OBJECT_HANDLE pub, const Bytes& data, Bytes sig) {
    CK_MECHANISM m = SignMechanism(c);
    CK_RV rv = f_->C_VerifyInit(s, &m, pub);
    if (rv != CKR_OK) return rv;
    return f_->C_Verify(s, const_cast<unsigned char*>(data.data()), data.size(), sig.data(), sig.size());
  }
  CK_RV CreatePublic(CK_SESSION_HANDLE s, const Curve& c, const Bytes& point_attr, CK_OBJECT_HANDLE* h) {
    return Create(s,
                  {Ulong(CKA_CLASS, CKO_PUBLIC_KEY), Ulong(CKA_KEY_TYPE, c.edwards ? CKK_EC_EDWARDS : CKK_EC),
                   Raw(CKA_EC_PARAMS, c.params), Raw(CKA_EC_POINT, point_attr), Bool(CKA_VERIFY, true)},
                  h);
  }
};

TEST_F(EcPointDerTest, GeneratedPointsAreDerThatOpenSslParsesAndSignaturesVerify) {
  CK_SESSION_HANDLE s = OpenUser();
  const Bytes data = {'s', 'i', 'g', 'n', ' ', 'm', 'e'};
  for (const Curve& c : kCurves) {
    SCOPED_TRACE(c.ossl_name);
    std::vector<Attr> pt = {Raw(CKA_EC_PARAMS, c.params), Bool(CKA_VERIFY, true)};
    std::vector<Attr> qt = {Bool(CKA_SIGN, true)};
    auto pv = View(pt);
    auto qv = View(qt);
    CK_MECHANISM gen{c.edwards ? CKM_EC_EDWARDS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE pub = 0, priv = 0;
    ASSERT_EQ(f_->C_GenerateKeyPair(s, &gen, pv.data(), pv.size(), qv.data(), qv.size(), &pub, &priv), CKR_OK);
    Bytes params, point_attr;
    ASSERT_EQ(GetAttr(s, pub, CKA_EC_PARAMS, &params), CKR_OK);
    ASSERT_EQ(GetAttr(s, pub, CKA_EC_POINT, &point_attr), CKR_OK);
    Bytes point = OctetStringContent(point_attr);
    ASSERT_EQ(point.size(), c.point_bytes) << "CKA_EC_POINT is not one DER OCTET STRING of the point";
    EXPECT_EQ(point_attr, DerOctetString(point)) << "not the DER (minimal length) encoding";
    PKey key = PublicKeyFrom(c, params, point);
    ASSERT_TRUE(key) << "OpenSSL cannot decode the point on the curve of CKA_EC_PARAMS";
    EXPECT_TRUE(OpenSslVerifies(c, key.get(), data, Sign(s, c, priv, data)));
  }
}

TEST_F(EcPointDerTest, OpenSslKeysImportWithTheirDerPointAndVerifyTokenSignatures) {
  CK_SESSION_HANDLE s = OpenUser();
  const Bytes data = {'i', 'm', 'p', 'o', 'r', 't', 'e', 'd'};
  for (const Curve& c : kCurves) {
    SCOPED_TRACE(c.ossl_name);
    PKey key(c.edwards ? EVP_PKEY_Q_keygen(nullptr, nullptr, c.ossl_name)
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", c.ossl_name));
    ASSERT_TRUE(key);
    Bytes point(c.point_bytes), value(c.field_bytes);
    size_t len = point.size();
    if (c.edwards) {
      ASSERT_EQ(EVP_PKEY_get_raw_public_key(key.get(), point.data(), &len), 1);
      len = value.size();
      ASSERT_EQ(EVP_PKEY_get_raw_private_key(key.get(), value.data(), &len), 1);
    } else {
      ASSERT_EQ(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len),
                1);
      BIGNUM* d = nullptr;
      ASSERT_EQ(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
      Bn priv_bn(d);
      ASSERT_EQ(BN_bn2binpad(d, value.data(), static_cast<int>(value.size())), static_cast<int>(value.size()));
    }
    Bytes der_point = DerOctetString(point);
    if (c.point_bytes >= 128) {
      ASSERT_EQ(der_point[1], 0x81) << "OpenSSL's encoding of a P-521 point uses the long length form";
    }
    CK_OBJECT_HANDLE pub = 0, priv = 0;
    ASSERT_EQ(CreatePublic(s, c, der_point, &pub), CKR_OK);
    ASSERT_EQ(
        Create(s,
               {Ulong(CKA_CLASS, CKO_PRIVATE_KEY), Ulong(CKA_KEY_TYPE, c.edwards ? CKK_EC_EDWARDS : CKK_EC),
                Raw(CKA_EC_PARAMS, c.params), Raw(CKA_VALUE, value), Bool(CKA_SIGN, true), Bool(CKA_TOKEN, false)},
               &priv),
        CKR_OK);
    Bytes sig = Sign(s, c, priv, data);
    EXPECT_TRUE(OpenSslVerifies(c, key.get(), data, sig)) << "OpenSSL rejects the imported key's signature";
    EXPECT_EQ(Verify(s, c, pub, data, sig), CKR_OK) << "the imported public point does not verify";
    Bytes read_back;
    ASSERT_EQ(GetAttr(s, pub, CKA_EC_POINT, &read_back), CKR_OK);
    EXPECT_EQ(read_back, der_point);
  }
}

TEST_F(EcPointDerTest, ShortFormLengthAbove127IsRefused) {
  CK_SESSION_HANDLE s = OpenRw();
  const Curve& p521 = kCurves[2];
  PKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", p521.ossl_name));
  ASSERT_TRUE(key);
  Bytes point(p521.point_bytes);
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len), 1);
  // The encoding earlier versions wrote: 04 85 <133 bytes> reads in DER as a 5-byte length field.
  Bytes malformed = {0x04, static_cast<unsigned char>(point.size())};
  malformed.insert(malformed.end(), point.begin(), point.end());
  CK_OBJECT_HANDLE h = 0;
  EXPECT_EQ(CreatePublic(s, p521, malformed, &h), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(CreatePublic(s, p521, point, &h), CKR_OK) << "a raw point stays accepted";
}

}  // namespace
}  // namespace cf::p11::test
