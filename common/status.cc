// Status formatting. Kept out of the header so the names table exists once.
#include "common/status.h"

namespace cf {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kAlreadyExists:
      return "ALREADY_EXISTS";
    case Code::kCorrupt:
      return "CORRUPT";
    case Code::kRolledBack:
      return "ROLLED_BACK";
    case Code::kVersionConflict:
      return "VERSION_CONFLICT";
    case Code::kPermissionDenied:
      return "PERMISSION_DENIED";
    case Code::kUnauthenticated:
      return "UNAUTHENTICATED";
    case Code::kLocked:
      return "LOCKED";
    case Code::kPolicyDenied:
      return "POLICY_DENIED";
    case Code::kUnreachable:
      return "UNREACHABLE";
    case Code::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case Code::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case Code::kUnimplemented:
      return "UNIMPLEMENTED";
    case Code::kIoError:
      return "IO_ERROR";
    case Code::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::Annotate(const std::string& context) const {
  if (ok()) return *this;
  Status out(code_, context + ": " + message_);
  out.detail_ = detail_;
  out.has_detail_ = has_detail_;
  return out;
}

}  // namespace cf
