// Framework key messages as PKCS#11 key objects through proto/key_codec (key_message <-> EVP_PKEY) and mech's
// DescribeKey (EVP_PKEY -> CKA_* values). The framework has no usage flags: keys get the usages their type allows,
// stay sensitive, and are extractable only when the entry is exportable.
#include "pkcs11/model/framework_objects.h"

#include <openssl/evp.h>

#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/model/key_description.h"
#include "proto/certifier.pb.h"
#include "proto/key_codec.h"

namespace cf::p11 {
namespace {

void SetCommon(const store::Entry& entry, CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type, Object* obj) {
  AttributeSet& a = obj->attrs;
  a.SetUlong(CKA_CLASS, object_class);
  a.SetUlong(CKA_KEY_TYPE, key_type);
  a.Set(CKA_LABEL, AsBytes(entry.info.tag));
  // The tag is the framework's name for the key: both halves share it as CKA_ID so clients pair them.
  a.Set(CKA_ID, AsBytes(entry.info.tag));
  // Private and secret keys are private objects whatever their tier (ARCHITECTURE.md: framework entries appear
  // private); a public key is public by nature.
  a.SetBool(CKA_PRIVATE, object_class != CKO_PUBLIC_KEY);
  a.SetBool(CKA_MODIFIABLE, false);
  a.SetBool(CKA_COPYABLE, true);
  // The OS's keys: cf-osutility manages them, and they survive C_InitToken (ARCHITECTURE.md).
  a.SetBool(CKA_DESTROYABLE, false);
  a.SetBool(CKA_LOCAL, false);
  a.SetUlong(CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
  a.SetBool(CKA_DERIVE, key_type == CKK_EC);
  a.Set(CKA_START_DATE, Bytes{});
  a.Set(CKA_END_DATE, Bytes{});
  if (object_class == CKO_PUBLIC_KEY) {
    a.SetBool(CKA_ENCRYPT, key_type == CKK_RSA);
    a.SetBool(CKA_VERIFY, true);
    a.SetBool(CKA_VERIFY_RECOVER, false);
    a.SetBool(CKA_WRAP, false);
    a.SetBool(CKA_TRUSTED, false);
    a.Set(CKA_SUBJECT, Bytes{});
    return;
  }
  a.SetBool(CKA_SENSITIVE, true);
  a.SetBool(CKA_EXTRACTABLE, entry.info.exportable);
  // cf-osutility --requires-admission: the store keeps the flag with the entry; the token enforces it (CheckKeyUse).
  a.SetBool(CKA_CF_REQUIRES_ADMISSION, entry.info.requires_admission);
  // The key existed outside this token (a tool wrote it): never ALWAYS_SENSITIVE / NEVER_EXTRACTABLE.
  a.SetBool(CKA_ALWAYS_SENSITIVE, false);
  a.SetBool(CKA_NEVER_EXTRACTABLE, false);
  a.SetBool(CKA_DECRYPT, key_type == CKK_RSA || object_class == CKO_SECRET_KEY);
  a.SetBool(CKA_SIGN, true);
  a.SetBool(CKA_UNWRAP, false);
  a.SetBool(CKA_WRAP_WITH_TRUSTED, false);
  if (object_class == CKO_PRIVATE_KEY) {
    a.SetBool(CKA_SIGN_RECOVER, false);
    a.SetBool(CKA_ALWAYS_AUTHENTICATE, false);
    a.Set(CKA_SUBJECT, Bytes{});
  } else {
    a.SetBool(CKA_ENCRYPT, true);
    a.SetBool(CKA_VERIFY, true);
    a.SetBool(CKA_WRAP, false);
    a.SetBool(CKA_TRUSTED, false);
  }
}

std::shared_ptr<Object> SecretKeyObject(const store::Entry& entry, const wire::key_message& key) {
  const std::string& bits = key.secret_key_bits();
  if (bits.empty()) return nullptr;
  bool aes = key.key_type().rfind("aes", 0) == 0 && (bits.size() == 16 || bits.size() == 24 || bits.size() == 32);
  auto obj = std::make_shared<Object>();
  SetCommon(entry, CKO_SECRET_KEY, aes ? CKK_AES : CKK_GENERIC_SECRET, obj.get());
  obj->attrs.Set(CKA_VALUE, AsBytes(bits));
  obj->attrs.SetUlong(CKA_VALUE_LEN, bits.size());
  return obj;
}

}  // namespace

std::vector<std::shared_ptr<Object>> FrameworkKeyObjects(const store::Entry& entry) {
  std::vector<std::shared_ptr<Object>> out;
  wire::key_message key;
  if (!key.ParseFromArray(entry.blob.data(), static_cast<int>(entry.blob.size()))) return out;
  if (keys::IsSymmetricAlgorithm(key.key_type())) {
    if (auto obj = SecretKeyObject(entry, key)) out.push_back(std::move(obj));
    return out;
  }
  auto pkey = keys::PKeyFromKeyMessage(key);
  if (!pkey.ok()) return out;
  int id = EVP_PKEY_get_base_id(pkey->get());
  CK_KEY_TYPE key_type = id == EVP_PKEY_RSA ? CKK_RSA : id == EVP_PKEY_EC ? CKK_EC : CK_UNAVAILABLE_INFORMATION;
  if (key_type == CK_UNAVAILABLE_INFORMATION) return out;
  std::shared_ptr<EVP_PKEY> shared(pkey->release(), ossl::Deleter<EVP_PKEY_free>());
  bool is_private = keys::IsPrivateKeyType(key.key_type());
  if (is_private) {
    auto priv = std::make_shared<Object>();
    SetCommon(entry, CKO_PRIVATE_KEY, key_type, priv.get());
    if (!AddKeyDescription(KeyMaterial{CKO_PRIVATE_KEY, key_type, shared, nullptr}, &priv->attrs).ok()) return {};
    out.push_back(std::move(priv));
  }
  auto pub = std::make_shared<Object>();
  SetCommon(entry, CKO_PUBLIC_KEY, key_type, pub.get());
  if (!AddKeyDescription(KeyMaterial{CKO_PUBLIC_KEY, key_type, shared, nullptr}, &pub->attrs).ok()) return {};
  out.push_back(std::move(pub));
  return out;
}

}  // namespace cf::p11
