// Default forms of Operation: C_Sign / C_Encrypt / C_Verify on a single buffer are Update then Final (families
// override these where a single-part path is cheaper or the only one allowed: EdDSA, RSA PKCS#1 raw); no state to
// save (digests override); secret input handled as any input.
#include "pkcs11/mech/operation.h"

#include <algorithm>
#include <string>

namespace cf::p11 {

Status Operation::OneShot(ByteView input, SecureBytes* out) {
  CF_RETURN_IF_ERROR(Update(input, out));
  return Final(out);
}

Result<size_t> Operation::OneShotInto(ByteView input, std::span<uint8_t> out) {
  SecureBytes produced;
  produced.reserve(out.size());
  CF_RETURN_IF_ERROR(OneShot(input, &produced));
  if (produced.size() > out.size()) {
    return Status(Code::kInternal,
                  "one-shot output of " + std::to_string(produced.size()) + " bytes exceeds the bound of " +
                      std::to_string(out.size()) + " (MaxOutputLength is wrong for this mechanism)",
                  CKR_GENERAL_ERROR);
  }
  std::copy(produced.begin(), produced.end(), out.begin());
  return produced.size();
}

Status Operation::OneShotVerify(ByteView data, ByteView signature) {
  SecureBytes unused;
  CF_RETURN_IF_ERROR(Update(data, &unused));
  return VerifyFinal(signature);
}

Result<SecureBytes> Operation::SaveState() const {
  return Rv(CKR_STATE_UNSAVEABLE, "only digest operations can be saved (a keyed operation's state is key material)");
}

Status Operation::UpdateSecret(ByteView secret) {
  SecureBytes unused;
  return Update(secret, &unused);
}

}  // namespace cf::p11
