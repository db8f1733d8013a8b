// Fuzz target: attribute templates and mechanism parameters through the module's C ABI (dlopen of the
// instrumented libcf-pkcs11.so built beside this target), as an application hands them in: create, generate,
// set, find, derive, unwrap with fuzzed templates; sign/encrypt/decrypt initialisations with each mechanism's
// parameter structure filled from the input (scalars and buffers fuzzed, pointers always valid — a caller's bad
// pointer is the caller's bug). The first byte picks the operation.
#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_scratch.h"
#include "p11_input.h"

namespace {

using cf::fuzz::Cursor;
using cf::fuzz::Template;

CK_UTF8CHAR_PTR Pin(const char* pin) { return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin)); }

struct Token {
  CK_FUNCTION_LIST* f = nullptr;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE, ec_private = CK_INVALID_HANDLE, rsa_private = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE rsa_public = CK_INVALID_HANDLE;
};

CK_OBJECT_HANDLE MakeAes(Token& t) {
  CK_ULONG len = 32;
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE tmpl[] = {
      {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_ENCRYPT, &yes, 1}, {CKA_UNWRAP, &yes, 1}, {CKA_SIGN, &yes, 1}};
  CK_MECHANISM m{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  t.f->C_GenerateKey(t.session, &m, tmpl, std::size(tmpl), &key);
  return key;
}

void MakeKeyPair(Token& t, CK_MECHANISM_TYPE type, CK_ATTRIBUTE* pub, CK_ULONG npub, CK_OBJECT_HANDLE* pub_out,
                 CK_OBJECT_HANDLE* priv_out) {
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE priv[] = {{CKA_SIGN, &yes, 1}, {CKA_DECRYPT, &yes, 1}, {CKA_DERIVE, &yes, 1}};
  CK_MECHANISM m{type, nullptr, 0};
  t.f->C_GenerateKeyPair(t.session, &m, pub, npub, priv, std::size(priv), pub_out, priv_out);
}

Token OpenToken() {
  Token t;
  (void)dlopen("libp11-kit.so.0", RTLD_NOW | RTLD_GLOBAL);
  void* lib = dlopen(CF_PKCS11_MODULE, RTLD_NOW | RTLD_LOCAL);
  auto get = lib ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList")) : nullptr;
  if (get == nullptr || get(&t.f) != CKR_OK) __builtin_trap();
  static std::string config = "tokens { label: \"fuzz\" directory: \"" + cf::fuzz::ScratchDir() +
                              "/token\" pin_kdf_iterations: 1000 certification: CERTIFICATION_OFF }";
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  args.pReserved = config.data();
  CK_SLOT_ID slot = 0;
  CK_ULONG n = 1;
  CK_UTF8CHAR label[32];
  std::memset(label, ' ', sizeof(label));
  if (t.f->C_Initialize(&args) != CKR_OK || t.f->C_GetSlotList(CK_TRUE, &slot, &n) != CKR_OK ||
      t.f->C_InitToken(slot, Pin("12345678"), 8, label) != CKR_OK ||
      t.f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &t.session) != CKR_OK ||
      t.f->C_Login(t.session, CKU_SO, Pin("12345678"), 8) != CKR_OK || t.f->C_InitPIN(t.session, Pin("1234"), 4) ||
      t.f->C_Logout(t.session) != CKR_OK || t.f->C_Login(t.session, CKU_USER, Pin("1234"), 4) != CKR_OK)
    __builtin_trap();
  t.aes = MakeAes(t);
  CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  CK_ATTRIBUTE ec_pub[] = {{CKA_EC_PARAMS, p256, sizeof(p256)}};
  CK_OBJECT_HANDLE ignored;
  MakeKeyPair(t, CKM_EC_KEY_PAIR_GEN, ec_pub, 1, &ignored, &t.ec_private);
  CK_ULONG bits = 2048;
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE rsa_pub[] = {{CKA_MODULUS_BITS, &bits, sizeof(bits)}, {CKA_ENCRYPT, &yes, 1}, {CKA_WRAP, &yes, 1}};
  MakeKeyPair(t, CKM_RSA_PKCS_KEY_PAIR_GEN, rsa_pub, std::size(rsa_pub), &t.rsa_public, &t.rsa_private);
  return t;
}

// A mechanism and its parameter structure with every pointer into storage this object owns.
struct Mechanism {
  CK_MECHANISM m{};
  std::vector<uint8_t> raw, buffer;
  CK_GCM_PARAMS gcm{};
  CK_RSA_PKCS_OAEP_PARAMS oaep{};
  CK_RSA_PKCS_PSS_PARAMS pss{};
  CK_ECDH1_DERIVE_PARAMS ecdh{};
  CK_AES_CTR_PARAMS ctr{};
  CK_ULONG length = 0;

  explicit Mechanism(Cursor& in) {
    static constexpr CK_MECHANISM_TYPE kTypes[] = {CKM_AES_GCM,
                                                   CKM_RSA_PKCS_OAEP,
                                                   CKM_SHA256_RSA_PKCS_PSS,
                                                   CKM_RSA_PKCS_PSS,
                                                   CKM_ECDH1_DERIVE,
                                                   CKM_AES_CTR,
                                                   CKM_AES_CBC,
                                                   CKM_AES_CBC_PAD,
                                                   CKM_AES_ECB,
                                                   CKM_AES_CMAC_GENERAL,
                                                   CKM_AES_CMAC,
                                                   CKM_SHA256_HMAC_GENERAL,
                                                   CKM_ECDSA,
                                                   CKM_ECDSA_SHA256,
                                                   CKM_RSA_PKCS,
                                                   CKM_RSA_X_509,
                                                   CKM_AES_KEY_WRAP,
                                                   CKM_AES_KEY_WRAP_KWP,
                                                   CKM_SHA256_RSA_PKCS,
                                                   CKM_EDDSA};
    uint8_t pick = in.Byte();
    m.mechanism = pick < std::size(kTypes) ? kTypes[pick] : in.Ulong();
    raw = in.Bytes(64);
    buffer = in.Bytes(200);
    uint8_t* buf = buffer.empty() ? nullptr : buffer.data();
    switch (m.mechanism) {  // the parameter layout of each mechanism this target knows
      case CKM_AES_GCM:
        gcm = {buf, buffer.size(), in.Ulong(), buf, std::min<CK_ULONG>(in.Byte(), buffer.size()), in.Ulong()};
        Point(&gcm, sizeof(gcm));
        break;
      case CKM_RSA_PKCS_OAEP:
        oaep = {in.Ulong() & 0xfff, in.Ulong() & 0xff, in.Ulong() & 3, buf, buffer.size()};
        Point(&oaep, sizeof(oaep));
        break;
      case CKM_SHA256_RSA_PKCS_PSS:
      case CKM_RSA_PKCS_PSS:
        pss = {in.Ulong() & 0xfff, in.Ulong() & 0xff, in.Ulong()};
        Point(&pss, sizeof(pss));
        break;
      case CKM_ECDH1_DERIVE:
        ecdh = {in.Ulong() & 0xff, buffer.size() > 8 ? 8ul : 0ul, buf, buffer.size(), buf};
        Point(&ecdh, sizeof(ecdh));
        break;
      case CKM_AES_CTR:
        ctr.ulCounterBits = in.Ulong();
        if (!raw.empty()) std::memcpy(ctr.cb, raw.data(), std::min(raw.size(), sizeof(ctr.cb)));
        Point(&ctr, sizeof(ctr));
        break;
      case CKM_AES_CMAC_GENERAL:
      case CKM_SHA256_HMAC_GENERAL:
        length = in.Ulong();
        Point(&length, sizeof(length));
        break;
      default:  // plain bytes (an IV) or nothing: the length is whatever the input said
        Point(raw.empty() ? nullptr : raw.data(), raw.size());
    }
  }
  void Point(void* p, size_t n) {
    m.pParameter = p;
    m.ulParameterLen = n;
  }
};

void DestroyIfMade(Token& t, CK_RV rv, CK_OBJECT_HANDLE h) {
  if (rv == CKR_OK) t.f->C_DestroyObject(t.session, h);
}

void RunCrypto(Token& t, Cursor& in) {
  Mechanism mech(in);
  CK_OBJECT_HANDLE keys[] = {t.aes, t.ec_private, t.rsa_private, t.rsa_public};
  CK_OBJECT_HANDLE key = keys[in.Byte() % std::size(keys)];
  std::vector<uint8_t> data = in.Bytes(255);
  std::vector<uint8_t> out(1024);
  CK_ULONG out_len = out.size();
  switch (in.Byte() % 3) {
    case 0:
      if (t.f->C_SignInit(t.session, &mech.m, key) == CKR_OK)
        t.f->C_Sign(t.session, data.data(), data.size(), out.data(), &out_len);
      break;
    case 1:
      if (t.f->C_EncryptInit(t.session, &mech.m, key) == CKR_OK)
        t.f->C_Encrypt(t.session, data.data(), data.size(), out.data(), &out_len);
      break;
    default:
      if (t.f->C_DecryptInit(t.session, &mech.m, key) == CKR_OK)
        t.f->C_Decrypt(t.session, data.data(), data.size(), out.data(), &out_len);
  }
}

void RunTemplateOp(Token& t, uint8_t op, Cursor& in) {
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, h2 = CK_INVALID_HANDLE;
  switch (op) {
    case 0: {
      Template tmpl(in);
      CK_RV rv = t.f->C_CreateObject(t.session, tmpl.data(), tmpl.size(), &h);
      if (rv == CKR_OK) {
        Template query(in);  // lengths of whatever the input asks for, then the values into its buffers
        t.f->C_GetAttributeValue(t.session, h, query.data(), query.size());
      }
      DestroyIfMade(t, rv, h);
      break;
    }
    case 1: {
      Template tmpl(in);
      CK_MECHANISM m{in.Byte() & 1 ? CKM_AES_KEY_GEN : CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
      DestroyIfMade(t, t.f->C_GenerateKey(t.session, &m, tmpl.data(), tmpl.size(), &h), h);
      break;
    }
    case 2: {
      Template pub(in), priv(in);
      CK_MECHANISM m{in.Byte() & 1 ? CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN, nullptr, 0};
      CK_RV rv = t.f->C_GenerateKeyPair(t.session, &m, pub.data(), pub.size(), priv.data(), priv.size(), &h, &h2);
      DestroyIfMade(t, rv, h);
      DestroyIfMade(t, rv, h2);
      break;
    }
    case 3: {
      Template tmpl(in);
      CK_OBJECT_CLASS data_class = CKO_DATA;
      CK_ATTRIBUTE base[] = {{CKA_CLASS, &data_class, sizeof(data_class)}};
      CK_RV rv = t.f->C_CreateObject(t.session, base, 1, &h);
      if (rv == CKR_OK) t.f->C_SetAttributeValue(t.session, h, tmpl.data(), tmpl.size());
      DestroyIfMade(t, rv, h);
      break;
    }
    case 4: {
      Template tmpl(in);
      if (t.f->C_FindObjectsInit(t.session, tmpl.data(), tmpl.size()) != CKR_OK) break;
      CK_OBJECT_HANDLE found[8];
      CK_ULONG n = 0;
      t.f->C_FindObjects(t.session, found, std::size(found), &n);
      t.f->C_FindObjectsFinal(t.session);
      break;
    }
    case 5: {
      Mechanism mech(in);
      Template tmpl(in);
      DestroyIfMade(t, t.f->C_DeriveKey(t.session, &mech.m, t.ec_private, tmpl.data(), tmpl.size(), &h), h);
      break;
    }
    case 6: {
      Mechanism mech(in);
      Template tmpl(in);
      std::vector<uint8_t> wrapped = in.Bytes(255);
      CK_OBJECT_HANDLE unwrapping = in.Byte() & 1 ? t.aes : t.rsa_private;
      CK_RV rv = t.f->C_UnwrapKey(t.session, &mech.m, unwrapping, wrapped.data(), wrapped.size(), tmpl.data(),
                                  tmpl.size(), &h);
      DestroyIfMade(t, rv, h);
      break;
    }
    default:
      RunCrypto(t, in);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Token token = OpenToken();
  Cursor in(data, size);
  RunTemplateOp(token, in.Byte() % 8, in);
  return 0;
}
