// Keys shared by the mech tests, generated once through the registry (see mech_fixture.h).
#include "mech_fixture.h"

namespace cf::p11::testing {

const GeneratedKeyPair& Rsa2048() {
  static const GeneratedKeyPair* const pair = [] {
    Template pub;
    pub.Ulong(CKA_MODULUS_BITS, 2048);
    CK_MECHANISM m = Mech(CKM_RSA_PKCS_KEY_PAIR_GEN);
    return new GeneratedKeyPair(Row(m.mechanism).generate_key_pair(m, pub.Lookup(), Template().Lookup()).value());
  }();
  return *pair;
}

}  // namespace cf::p11::testing
