// The tests' PKCS#11 client and their OpenSSL referee (token_client.h).
#include "token_client.h"

#include <dlfcn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

#include <cstring>
#include <memory>

namespace cf::libctx_test {
namespace {

constexpr char kSoPin[] = "12345678";
// Key-type names a default engine cannot take over (EVP_PKEY_CTX_new_from_name maps "RSA"/"EC" to its methods).
constexpr char kRsaOid[] = "1.2.840.113549.1.1.1";
constexpr char kEcOid[] = "1.2.840.10045.2.1";

template <auto Fn>
struct Free {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using Bn = std::unique_ptr<BIGNUM, Free<BN_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX_free>>;

CK_UTF8CHAR_PTR Utf8(const char* s) { return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s)); }

Bytes BnBytes(EVP_PKEY* key, const char* name, size_t pad = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return {};
  Bn bn(raw);
  Bytes out(std::max(pad, static_cast<size_t>(BN_num_bytes(bn.get()))));
  BN_bn2binpad(bn.get(), out.data(), static_cast<int>(out.size()));
  return out;
}

EVP_PKEY* FromData(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(Referee(), type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    key = nullptr;
  }
  OSSL_PARAM_free(params);
  return key;
}

// r||s (PKCS#11's ECDSA signature) as a DER ECDSA-Sig-Value.
Bytes RawToDer(const Bytes& raw) {
  size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  int len = i2d_ECDSA_SIG(sig, nullptr);
  Bytes der(static_cast<size_t>(std::max(len, 0)));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig, &p);
  ECDSA_SIG_free(sig);
  return der;
}

}  // namespace

const Bytes kP256Params = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const Bytes kEd25519Params = {0x06, 0x03, 0x2b, 0x65, 0x70};

OSSL_LIB_CTX* Referee() {
  static OSSL_LIB_CTX* const ctx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (c != nullptr) OSSL_PROVIDER_load(c, "default");  // held for the process: the test's referee
    return c;
  }();
  return ctx;
}

std::string TokenClient::Load(const std::string& module_path) {
  handle_ = dlopen(module_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) return std::string("dlopen: ") + dlerror();
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle_, "C_GetFunctionList"));
  if (get == nullptr || get(&f_) != CKR_OK || f_ == nullptr) return "C_GetFunctionList failed";
  return "";
}

CK_RV TokenClient::Initialize() {
  CK_RV rv = f_->C_Initialize(nullptr);
  if (rv != CKR_OK) return rv;
  CK_ULONG n = 1;
  CK_SLOT_ID slots[1];
  rv = f_->C_GetSlotList(CK_FALSE, slots, &n);
  if (rv == CKR_OK && n > 0) slot_ = slots[0];
  return rv;
}

CK_RV TokenClient::Finalize() { return f_->C_Finalize(nullptr); }

CK_RV TokenClient::InitToken(const char* label) {
  CK_UTF8CHAR padded[32];
  std::memset(padded, ' ', sizeof(padded));
  std::memcpy(padded, label, std::min(sizeof(padded), std::strlen(label)));
  CK_RV rv = f_->C_InitToken(slot_, Utf8(kSoPin), std::strlen(kSoPin), padded);
  CK_SESSION_HANDLE s = 0;
  if (rv == CKR_OK) rv = f_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
  if (rv == CKR_OK) rv = f_->C_Login(s, CKU_SO, Utf8(kSoPin), std::strlen(kSoPin));
  if (rv == CKR_OK) rv = f_->C_InitPIN(s, Utf8(kUserPin), std::strlen(kUserPin));
  if (s != 0) f_->C_CloseSession(s);
  return rv;
}

CK_RV TokenClient::UserSession(CK_SESSION_HANDLE* s) {
  CK_RV rv = f_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, s);
  if (rv != CKR_OK) return rv;
  rv = f_->C_Login(*s, CKU_USER, Utf8(kUserPin), std::strlen(kUserPin));
  return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
}

CK_RV TokenClient::GenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, std::vector<CK_ATTRIBUTE> pub,
                                   CK_OBJECT_HANDLE* pub_key, CK_OBJECT_HANDLE* priv_key) {
  static CK_BBOOL yes = CK_TRUE;
  // Token objects: the re-initialisation tests find them again after C_Finalize.
  CK_ATTRIBUTE priv[] = {
      {CKA_TOKEN, &yes, sizeof(yes)}, {CKA_SIGN, &yes, sizeof(yes)}, {CKA_DECRYPT, &yes, sizeof(yes)}};
  CK_ULONG priv_count = mech == CKM_RSA_PKCS_KEY_PAIR_GEN ? 3 : 2;
  CK_MECHANISM m{mech, nullptr, 0};
  return f_->C_GenerateKeyPair(s, &m, pub.data(), pub.size(), priv, priv_count, pub_key, priv_key);
}

CK_RV TokenClient::ImportPrivateKey(CK_SESSION_HANDLE s, EVP_PKEY* key, CK_OBJECT_HANDLE* out) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_BBOOL yes = CK_TRUE;
  std::vector<CK_ATTRIBUTE> t = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_SIGN, &yes, sizeof(yes)}};
  CK_KEY_TYPE type;
  std::vector<Bytes> parts;
  auto add = [&](CK_ATTRIBUTE_TYPE a, Bytes b) {
    parts.push_back(std::move(b));
    t.push_back({a, parts.back().data(), parts.back().size()});
  };
  parts.reserve(8);
  if (EVP_PKEY_is_a(key, "RSA")) {
    type = CKK_RSA;
    add(CKA_MODULUS, BnBytes(key, OSSL_PKEY_PARAM_RSA_N));
    add(CKA_PUBLIC_EXPONENT, BnBytes(key, OSSL_PKEY_PARAM_RSA_E));
    add(CKA_PRIVATE_EXPONENT, BnBytes(key, OSSL_PKEY_PARAM_RSA_D));
    add(CKA_PRIME_1, BnBytes(key, OSSL_PKEY_PARAM_RSA_FACTOR1));
    add(CKA_PRIME_2, BnBytes(key, OSSL_PKEY_PARAM_RSA_FACTOR2));
    add(CKA_EXPONENT_1, BnBytes(key, OSSL_PKEY_PARAM_RSA_EXPONENT1));
    add(CKA_EXPONENT_2, BnBytes(key, OSSL_PKEY_PARAM_RSA_EXPONENT2));
    add(CKA_COEFFICIENT, BnBytes(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  } else {
    type = CKK_EC;
    add(CKA_EC_PARAMS, kP256Params);
    add(CKA_VALUE, BnBytes(key, OSSL_PKEY_PARAM_PRIV_KEY, 32));
  }
  t.push_back({CKA_KEY_TYPE, &type, sizeof(type)});
  return f_->C_CreateObject(s, t.data(), t.size(), out);
}

CK_RV TokenClient::Sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data,
                        Bytes* sig) {
  CK_MECHANISM m{mech, nullptr, 0};
  CK_RV rv = f_->C_SignInit(s, &m, key);
  CK_ULONG len = 1024;
  sig->assign(len, 0);
  if (rv == CKR_OK) rv = f_->C_Sign(s, const_cast<CK_BYTE*>(data.data()), data.size(), sig->data(), &len);
  sig->resize(rv == CKR_OK ? len : 0);
  return rv;
}

CK_RV TokenClient::Verify(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data,
                          const Bytes& sig) {
  CK_MECHANISM m{mech, nullptr, 0};
  CK_RV rv = f_->C_VerifyInit(s, &m, key);
  if (rv != CKR_OK) return rv;
  return f_->C_Verify(s, const_cast<CK_BYTE*>(data.data()), data.size(), const_cast<CK_BYTE*>(sig.data()), sig.size());
}

CK_RV TokenClient::GetBytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, Bytes* out) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  CK_RV rv = f_->C_GetAttributeValue(s, o, &a, 1);
  if (rv != CKR_OK) return rv;
  out->assign(a.ulValueLen, 0);
  a.pValue = out->data();
  return f_->C_GetAttributeValue(s, o, &a, 1);
}

EVP_PKEY* TokenClient::RefereePublicKey(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_KEY_TYPE type) {
  std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD_free>> bld(OSSL_PARAM_BLD_new());
  if (type == CKK_RSA) {
    Bytes n, e;
    if (GetBytes(s, pub, CKA_MODULUS, &n) != CKR_OK || GetBytes(s, pub, CKA_PUBLIC_EXPONENT, &e) != CKR_OK)
      return nullptr;
    Bn bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
    Bn bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
    return FromData(kRsaOid, bld.get());
  }
  Bytes point;  // DER OCTET STRING: a two-byte header for the sizes used here
  if (GetBytes(s, pub, CKA_EC_POINT, &point) != CKR_OK || point.size() < 3) return nullptr;
  if (type == CKK_EC_EDWARDS) {
    return EVP_PKEY_new_raw_public_key_ex(Referee(), "ED25519", nullptr, point.data() + 2, point.size() - 2);
  }
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data() + 2, point.size() - 2);
  return FromData(kEcOid, bld.get());
}

EVP_PKEY* RefereeKeyPair(const char* type) {
  bool rsa = std::strcmp(type, "RSA") == 0;
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(Referee(), rsa ? kRsaOid : kEcOid, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      (rsa ? EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) : EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256")) !=
          1 ||
      EVP_PKEY_generate(ctx.get(), &key) != 1) {
    return nullptr;
  }
  return key;
}

bool RefereeVerifies(EVP_PKEY* key, const Bytes& data, const Bytes& sig) {
  if (key == nullptr || sig.empty()) return false;
  bool ec = EVP_PKEY_is_a(key, "EC"), ed = EVP_PKEY_is_a(key, "ED25519");
  Bytes der = ec ? RawToDer(sig) : sig;
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, ed ? nullptr : "SHA2-256", Referee(), nullptr, key, nullptr) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), der.data(), der.size(), data.data(), data.size()) == 1;
}

}  // namespace cf::libctx_test
