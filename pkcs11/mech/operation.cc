// Default one-shot forms of Operation: C_Sign / C_Encrypt / C_Verify on a single buffer are Update then Final.
// Families override these where a single-part path is cheaper or the only one allowed (EdDSA, RSA PKCS#1 raw).
#include "pkcs11/mech/mechanism.h"

namespace cf::p11 {

Status Operation::OneShot(ByteView input, SecureBytes* out) {
  CF_RETURN_IF_ERROR(Update(input, out));
  return Final(out);
}

Status Operation::OneShotVerify(ByteView data, ByteView signature) {
  SecureBytes unused;
  CF_RETURN_IF_ERROR(Update(data, &unused));
  return VerifyFinal(signature);
}

}  // namespace cf::p11
