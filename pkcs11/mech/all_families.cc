// The list of mechanism families linked into the module. Adding a family = one Register call here.
#include "pkcs11/mech/families.h"

namespace cf::p11 {

void RegisterAllFamilies(Registry& registry) {
  RegisterRsa(registry);
  RegisterEc(registry);
  RegisterEddsa(registry);
  RegisterDigests(registry);
  RegisterHmac(registry);
  RegisterAes(registry);
  RegisterAesGcm(registry);
  RegisterAesWrap(registry);
  RegisterEcdh(registry);
  RegisterHkdf(registry);
}

}  // namespace cf::p11
