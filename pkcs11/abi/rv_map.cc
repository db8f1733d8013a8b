// Status -> CK_RV. Codes of cryptstore/attest/common that reach the ABI without a CK_RV map here and only here.
#include "pkcs11/abi/rv_map.h"

#include "pkcs11/include/cf_pkcs11.h"

namespace cf::p11 {

CK_RV ToRv(const Status& status) {
  if (status.ok()) return CKR_OK;
  if (status.has_detail()) return static_cast<CK_RV>(status.detail());
  switch (status.code()) {
    case Code::kOk:
      return CKR_OK;
    case Code::kInvalidArgument:
      return CKR_ARGUMENTS_BAD;
    case Code::kNotFound:
      return CKR_OBJECT_HANDLE_INVALID;
    case Code::kAlreadyExists:
      return CKR_ATTRIBUTE_VALUE_INVALID;
    case Code::kCorrupt:
      return CKR_DEVICE_ERROR;
    // Not CKR_TOKEN_NOT_RECOGNIZED: the specification lists that only for a few functions (C_OpenSession,
    // C_GetTokenInfo, C_InitToken...), while every function that uses a token may answer CKR_DEVICE_ERROR —
    // and a restored store is found at C_Login or at a write too. The log line carries the epochs.
    case Code::kRolledBack:
      return CKR_DEVICE_ERROR;
    case Code::kVersionConflict:
      return CKR_ATTRIBUTE_VALUE_INVALID;
    case Code::kPermissionDenied:
      return CKR_TOKEN_WRITE_PROTECTED;
    case Code::kUnauthenticated:
      return CKR_PIN_INCORRECT;
    case Code::kLocked:
      return CKR_PIN_LOCKED;
    case Code::kPolicyDenied:
      return CKR_DEVICE_ERROR;
    case Code::kUnreachable:
      return CKR_DEVICE_ERROR;
    case Code::kResourceExhausted:
      return CKR_DEVICE_MEMORY;
    case Code::kFailedPrecondition:
      return CKR_USER_NOT_LOGGED_IN;
    case Code::kUnimplemented:
      return CKR_FUNCTION_NOT_SUPPORTED;
    case Code::kIoError:
      return CKR_DEVICE_ERROR;
    case Code::kInternal:
      return CKR_GENERAL_ERROR;
  }
  return CKR_GENERAL_ERROR;
}

const char* RvName(CK_RV rv) {
  switch (rv) {
    // A list of macro calls, which clang-format 14 re-wraps differently on each pass.
    // clang-format off
#define CF_RV(x) \
  case x: return #x;
    CF_RV(CKR_OK) CF_RV(CKR_HOST_MEMORY) CF_RV(CKR_SLOT_ID_INVALID) CF_RV(CKR_GENERAL_ERROR)
    CF_RV(CKR_FUNCTION_FAILED) CF_RV(CKR_ARGUMENTS_BAD) CF_RV(CKR_ATTRIBUTE_READ_ONLY)
    CF_RV(CKR_ATTRIBUTE_SENSITIVE) CF_RV(CKR_ATTRIBUTE_TYPE_INVALID) CF_RV(CKR_ATTRIBUTE_VALUE_INVALID)
    CF_RV(CKR_ACTION_PROHIBITED) CF_RV(CKR_DATA_INVALID) CF_RV(CKR_DATA_LEN_RANGE) CF_RV(CKR_DEVICE_ERROR)
    CF_RV(CKR_DEVICE_MEMORY) CF_RV(CKR_ENCRYPTED_DATA_INVALID) CF_RV(CKR_ENCRYPTED_DATA_LEN_RANGE)
    CF_RV(CKR_FUNCTION_NOT_SUPPORTED) CF_RV(CKR_KEY_HANDLE_INVALID) CF_RV(CKR_KEY_SIZE_RANGE)
    CF_RV(CKR_KEY_TYPE_INCONSISTENT) CF_RV(CKR_KEY_FUNCTION_NOT_PERMITTED) CF_RV(CKR_KEY_NOT_WRAPPABLE)
    CF_RV(CKR_KEY_UNEXTRACTABLE) CF_RV(CKR_MECHANISM_INVALID) CF_RV(CKR_MECHANISM_PARAM_INVALID)
    CF_RV(CKR_OBJECT_HANDLE_INVALID) CF_RV(CKR_OPERATION_ACTIVE) CF_RV(CKR_OPERATION_NOT_INITIALIZED)
    CF_RV(CKR_PIN_INCORRECT) CF_RV(CKR_PIN_LEN_RANGE) CF_RV(CKR_PIN_LOCKED) CF_RV(CKR_SESSION_CLOSED)
    CF_RV(CKR_SESSION_HANDLE_INVALID) CF_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED) CF_RV(CKR_SESSION_READ_ONLY)
    CF_RV(CKR_SESSION_EXISTS) CF_RV(CKR_SESSION_READ_ONLY_EXISTS) CF_RV(CKR_SESSION_READ_WRITE_SO_EXISTS)
    CF_RV(CKR_SIGNATURE_INVALID) CF_RV(CKR_SIGNATURE_LEN_RANGE) CF_RV(CKR_TEMPLATE_INCOMPLETE)
    CF_RV(CKR_TEMPLATE_INCONSISTENT) CF_RV(CKR_TOKEN_NOT_PRESENT) CF_RV(CKR_TOKEN_WRITE_PROTECTED)
    CF_RV(CKR_UNWRAPPING_KEY_HANDLE_INVALID) CF_RV(CKR_USER_ALREADY_LOGGED_IN) CF_RV(CKR_USER_NOT_LOGGED_IN)
    CF_RV(CKR_USER_PIN_NOT_INITIALIZED) CF_RV(CKR_USER_TYPE_INVALID) CF_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
    CF_RV(CKR_WRAPPED_KEY_INVALID) CF_RV(CKR_WRAPPING_KEY_HANDLE_INVALID) CF_RV(CKR_BUFFER_TOO_SMALL)
    CF_RV(CKR_CRYPTOKI_NOT_INITIALIZED) CF_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED) CF_RV(CKR_KEY_INDIGESTIBLE)
    CF_RV(CKR_STATE_UNSAVEABLE) CF_RV(CKR_SAVED_STATE_INVALID) CF_RV(CKR_KEY_NOT_NEEDED)
    CF_RV(CKR_CF_CERTIFIER_UNREACHABLE) CF_RV(CKR_CF_POLICY_DENIED) CF_RV(CKR_CF_CERTIFIER_BAD_ANSWER)
    CF_RV(CKR_CF_ADMISSION_CERT_INVALID) CF_RV(CKR_CF_ADMISSION_CERT_MISMATCH) CF_RV(CKR_CF_POLICY_CERT_UNUSABLE)
#undef CF_RV
    default: return "CKR_(other)";
  }
  // clang-format on
}

}  // namespace cf::p11
