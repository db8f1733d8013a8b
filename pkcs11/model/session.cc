// Session state per PKCS#11 3.0 section 5.2 ("Session states").
#include "pkcs11/model/session.h"

namespace cf::p11 {

CK_STATE Session::State() const {
  switch (token_->login_state()) {
    case LoginState::kSecurityOfficer:
      return CKS_RW_SO_FUNCTIONS;
    case LoginState::kUser:
      return rw_ ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    case LoginState::kPublic:
      break;
  }
  return rw_ ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
}

void Session::EndAllOperations() {
  for (auto& op : ops_) op.reset();
  context_gate.reset();
  find_active = false;
  find_results.clear();
}

}  // namespace cf::p11
