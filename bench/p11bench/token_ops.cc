// PKCS#11 calls with their templates. Single-part operations pass an output buffer big enough for the result in
// one call (legal per PKCS#11 2.40 §5.2), so each timed operation is Init + one call, as clients that know the
// output size do.
#include "bench/p11bench/token_ops.h"

#include "bench/p11bench/module.h"

namespace cf::bench {
namespace {

CK_BBOOL kTrue = CK_TRUE;
CK_BBOOL kFalse = CK_FALSE;

template <typename T>
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, T* value) {
  return CK_ATTRIBUTE{type, value, sizeof(T)};
}
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const std::string& s) {
  return CK_ATTRIBUTE{type, const_cast<char*>(s.data()), s.size()};
}
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, ByteView b) {
  return CK_ATTRIBUTE{type, const_cast<uint8_t*>(b.data()), b.size()};
}
CK_BYTE_PTR In(ByteView b) { return const_cast<CK_BYTE_PTR>(b.data()); }

}  // namespace

const Bytes kP256Params = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const Bytes kP384Params = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
const Bytes kEd25519Params = {0x06, 0x03, 0x2b, 0x65, 0x70};

Result<KeyPair> TokenOps::GenerateRsa(const std::string& label, bool token) {
  CK_ULONG bits = 2048;
  Bytes exponent = {0x01, 0x00, 0x01};
  CK_BBOOL* tok = token ? &kTrue : &kFalse;
  CK_ATTRIBUTE pub[] = {Attr(CKA_TOKEN, tok),     Attr(CKA_MODULUS_BITS, &bits), Attr(CKA_PUBLIC_EXPONENT, exponent),
                        Attr(CKA_VERIFY, &kTrue), Attr(CKA_ENCRYPT, &kTrue),     Attr(CKA_LABEL, label),
                        Attr(CKA_ID, label)};
  CK_ATTRIBUTE priv[] = {Attr(CKA_TOKEN, tok),   Attr(CKA_PRIVATE, &kTrue), Attr(CKA_SENSITIVE, &kTrue),
                         Attr(CKA_SIGN, &kTrue), Attr(CKA_DECRYPT, &kTrue), Attr(CKA_LABEL, label),
                         Attr(CKA_ID, label)};
  CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  CF_RETURN_IF_ERROR(Ck(f_->C_GenerateKeyPair(s_, &mech, pub, std::size(pub), priv, std::size(priv), &kp.pub, &kp.priv),
                        "C_GenerateKeyPair(RSA-2048)"));
  return kp;
}

Result<KeyPair> TokenOps::GenerateEc(CK_KEY_TYPE key_type, const Bytes& params, const std::string& label, bool token) {
  CK_BBOOL* tok = token ? &kTrue : &kFalse;
  // Ed25519 keys derive nothing; asking CKA_DERIVE of them would make a strict token refuse the template.
  CK_BBOOL* derive = key_type == CKK_EC ? &kTrue : &kFalse;
  CK_ATTRIBUTE pub[] = {Attr(CKA_TOKEN, tok), Attr(CKA_EC_PARAMS, ByteView(params)), Attr(CKA_VERIFY, &kTrue),
                        Attr(CKA_LABEL, label), Attr(CKA_ID, label)};
  CK_ATTRIBUTE priv[] = {Attr(CKA_TOKEN, tok),   Attr(CKA_PRIVATE, &kTrue), Attr(CKA_SENSITIVE, &kTrue),
                         Attr(CKA_SIGN, &kTrue), Attr(CKA_DERIVE, derive),  Attr(CKA_LABEL, label),
                         Attr(CKA_ID, label)};
  CK_MECHANISM mech = {key_type == CKK_EC ? CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  CF_RETURN_IF_ERROR(Ck(f_->C_GenerateKeyPair(s_, &mech, pub, std::size(pub), priv, std::size(priv), &kp.pub, &kp.priv),
                        key_type == CKK_EC ? "C_GenerateKeyPair(EC)" : "C_GenerateKeyPair(EC_EDWARDS)"));
  return kp;
}

Result<CK_OBJECT_HANDLE> TokenOps::CreateSecret(CK_KEY_TYPE key_type, ByteView value, const std::string& label) {
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  const bool aes = key_type == CKK_AES;
  CK_BBOOL* crypt = aes ? &kTrue : &kFalse;
  CK_BBOOL* mac = aes ? &kFalse : &kTrue;
  CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, &cls),     Attr(CKA_KEY_TYPE, &key_type), Attr(CKA_TOKEN, &kTrue),
                      Attr(CKA_PRIVATE, &kTrue), Attr(CKA_VALUE, value),        Attr(CKA_ENCRYPT, crypt),
                      Attr(CKA_DECRYPT, crypt),  Attr(CKA_SIGN, mac),           Attr(CKA_VERIFY, mac),
                      Attr(CKA_LABEL, label)};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CF_RETURN_IF_ERROR(Ck(f_->C_CreateObject(s_, t, std::size(t), &h), "C_CreateObject(secret key)"));
  return h;
}

Result<CK_OBJECT_HANDLE> TokenOps::CreateData(const std::string& label, ByteView value) {
  CK_OBJECT_CLASS cls = CKO_DATA;
  static const std::string kApp = "p11bench";
  CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, &cls),  Attr(CKA_TOKEN, &kTrue),     Attr(CKA_PRIVATE, &kTrue),
                      Attr(CKA_LABEL, label), Attr(CKA_APPLICATION, kApp), Attr(CKA_VALUE, value)};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CF_RETURN_IF_ERROR(Ck(f_->C_CreateObject(s_, t, std::size(t), &h), "C_CreateObject(data)"));
  return h;
}

Status TokenOps::Destroy(CK_OBJECT_HANDLE object) { return Ck(f_->C_DestroyObject(s_, object), "C_DestroyObject"); }

Result<Bytes> TokenOps::Attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a = {type, nullptr, 0};
  CF_RETURN_IF_ERROR(Ck(f_->C_GetAttributeValue(s_, object, &a, 1), "C_GetAttributeValue(length)"));
  Bytes out(a.ulValueLen);
  a.pValue = out.data();
  CF_RETURN_IF_ERROR(Ck(f_->C_GetAttributeValue(s_, object, &a, 1), "C_GetAttributeValue"));
  out.resize(a.ulValueLen);
  return out;
}

Result<std::vector<CK_OBJECT_HANDLE>> TokenOps::FindByLabel(const std::string& label, CK_ULONG max) {
  CK_ATTRIBUTE t[] = {Attr(CKA_LABEL, label)};
  CF_RETURN_IF_ERROR(Ck(f_->C_FindObjectsInit(s_, t, 1), "C_FindObjectsInit"));
  std::vector<CK_OBJECT_HANDLE> found(max);
  CK_ULONG n = 0;
  CK_RV rv = f_->C_FindObjects(s_, found.data(), max, &n);
  CK_RV rv_final = f_->C_FindObjectsFinal(s_);
  CF_RETURN_IF_ERROR(Ck(rv, "C_FindObjects"));
  CF_RETURN_IF_ERROR(Ck(rv_final, "C_FindObjectsFinal"));
  found.resize(n);
  return found;
}

Result<Bytes> TokenOps::Sign(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, ByteView data) {
  CF_RETURN_IF_ERROR(Ck(f_->C_SignInit(s_, mech, key), "C_SignInit"));
  Bytes sig(1024);
  CK_ULONG len = sig.size();
  CF_RETURN_IF_ERROR(Ck(f_->C_Sign(s_, In(data), data.size(), sig.data(), &len), "C_Sign"));
  sig.resize(len);
  return sig;
}

Status TokenOps::Verify(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, ByteView data, ByteView sig) {
  CF_RETURN_IF_ERROR(Ck(f_->C_VerifyInit(s_, mech, key), "C_VerifyInit"));
  return Ck(f_->C_Verify(s_, In(data), data.size(), In(sig), sig.size()), "C_Verify");
}

Result<Bytes> TokenOps::Encrypt(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, ByteView data) {
  CF_RETURN_IF_ERROR(Ck(f_->C_EncryptInit(s_, mech, key), "C_EncryptInit"));
  Bytes out(data.size() + 64);
  CK_ULONG len = out.size();
  CF_RETURN_IF_ERROR(Ck(f_->C_Encrypt(s_, In(data), data.size(), out.data(), &len), "C_Encrypt"));
  out.resize(len);
  return out;
}

Result<Bytes> TokenOps::Decrypt(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, ByteView data) {
  CF_RETURN_IF_ERROR(Ck(f_->C_DecryptInit(s_, mech, key), "C_DecryptInit"));
  Bytes out(data.size() + 64);
  CK_ULONG len = out.size();
  CF_RETURN_IF_ERROR(Ck(f_->C_Decrypt(s_, In(data), data.size(), out.data(), &len), "C_Decrypt"));
  out.resize(len);
  return out;
}

Result<Bytes> TokenOps::Digest(CK_MECHANISM* mech, ByteView data) {
  CF_RETURN_IF_ERROR(Ck(f_->C_DigestInit(s_, mech), "C_DigestInit"));
  Bytes out(64);
  CK_ULONG len = out.size();
  CF_RETURN_IF_ERROR(Ck(f_->C_Digest(s_, In(data), data.size(), out.data(), &len), "C_Digest"));
  out.resize(len);
  return out;
}

Result<CK_OBJECT_HANDLE> TokenOps::DeriveSecret(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, CK_ULONG length) {
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_GENERIC_SECRET;
  CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, &cls),        Attr(CKA_KEY_TYPE, &type),     Attr(CKA_TOKEN, &kFalse),
                      Attr(CKA_SENSITIVE, &kFalse), Attr(CKA_EXTRACTABLE, &kTrue), Attr(CKA_VALUE_LEN, &length)};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CF_RETURN_IF_ERROR(Ck(f_->C_DeriveKey(s_, mech, key, t, std::size(t), &h), "C_DeriveKey"));
  return h;
}

}  // namespace cf::bench
