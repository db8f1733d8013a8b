// Keys shared by the mech tests, generated once through the registry (see mech_fixture.h).
#include "mech_fixture.h"

#include <mutex>

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

namespace cf::p11::testing {

Bytes CurveParams(int bits) {
  switch (bits) {
    case 256:
      return Hex("06082a8648ce3d030107");
    case 384:
      return Hex("06052b81040022");
    default:
      return Hex("06052b81040023");
  }
}

const GeneratedKeyPair& EcKey(int bits) {
  static std::map<int, GeneratedKeyPair>* const keys = new std::map<int, GeneratedKeyPair>();
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  auto it = keys->find(bits);
  if (it != keys->end()) return it->second;
  Template pub;
  pub.Set(CKA_EC_PARAMS, CurveParams(bits));
  CK_MECHANISM m = Mech(CKM_EC_KEY_PAIR_GEN);
  return keys->emplace(bits, Row(m.mechanism).generate_key_pair(m, pub.Lookup(), Template().Lookup()).value())
      .first->second;
}

const GeneratedKeyPair& EdKey(bool ed448) {
  static std::map<bool, GeneratedKeyPair>* const keys = new std::map<bool, GeneratedKeyPair>();
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  auto it = keys->find(ed448);
  if (it != keys->end()) return it->second;
  Template pub;
  pub.Set(CKA_EC_PARAMS, ed448 ? Hex("06032b6571") : Hex("06032b6570"));
  CK_MECHANISM m = Mech(CKM_EC_EDWARDS_KEY_PAIR_GEN);
  return keys->emplace(ed448, Row(m.mechanism).generate_key_pair(m, pub.Lookup(), Template().Lookup()).value())
      .first->second;
}

}  // namespace cf::p11::testing
