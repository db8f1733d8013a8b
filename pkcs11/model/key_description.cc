// AddKeyDescription: merging DescribeKey's attributes into a key object's (key_description.h).
#include "pkcs11/model/key_description.h"

#include <vector>

namespace cf::p11 {

Status AddKeyDescription(const KeyMaterial& key, AttributeSet* attrs) {
  CF_ASSIGN_OR_RETURN(std::vector<Attribute> described, DescribeKey(key));
  bool is_private = key.object_class == CKO_PRIVATE_KEY;
  for (const Attribute& a : described) {
    if (is_private && a.type == CKA_EC_POINT) {
      attrs->Set(a.type, a.value);
      continue;
    }
    if (!attrs->Has(a.type)) attrs->Set(a.type, a.value);
  }
  return Status::Ok();
}

}  // namespace cf::p11
