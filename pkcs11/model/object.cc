// Object::Key: key material is parsed from the stored attributes on first use and kept with the object.
#include "pkcs11/model/object.h"

namespace cf::p11 {

Result<std::shared_ptr<const KeyMaterial>> Object::Key() const {
  // Every C_*Init on the key reads it: threads signing with one key must not pass a mutex back and forth.
  if (key_ready_.load(std::memory_order_acquire)) return key_;
  std::lock_guard<std::mutex> lock(key_mu_);
  if (key_) return key_;
  if (!is_key()) return Rv(CKR_KEY_HANDLE_INVALID, "object " + std::to_string(handle) + " is not a key");
  CK_KEY_TYPE key_type = attrs.GetUlong(CKA_KEY_TYPE).value_or(CKK_GENERIC_SECRET);
  CF_ASSIGN_OR_RETURN(KeyMaterial material, ImportKey(object_class(), key_type, attrs.Lookup()));
  key_ = std::make_shared<const KeyMaterial>(std::move(material));
  key_ready_.store(true, std::memory_order_release);
  return key_;
}

}  // namespace cf::p11
