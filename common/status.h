// Status and Result<T>: how every layer below the PKCS#11 ABI reports failure.
// A Status carries a code the upper layer maps (pkcs11/abi has the one CK_RV map) and a message that names what
// was wrong and the values involved. Never put a secret in a message.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cf {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed or out of range
  kNotFound,            // no such entry / file / object
  kAlreadyExists,       // creating something that exists
  kCorrupt,             // stored data failed authentication or parsing (tampered, truncated)
  kRolledBack,          // stored data is authentic but older than the platform's monotonic counter (a restored copy)
  kVersionConflict,     // a version rule was broken (duplicate version, rollback)
  kPermissionDenied,    // the OS refused (file modes) or a key attribute forbids the operation
  kUnauthenticated,     // wrong PIN / wrong platform key
  kLocked,              // too many failed PINs
  kPolicyDenied,        // the Certifier Service or the policy refused the evidence
  kUnreachable,         // a service could not be reached in time
  kResourceExhausted,   // disk full, file size limit, message too large
  kFailedPrecondition,  // the state does not allow this now (not initialised, no trust yet)
  kUnimplemented,       // known, not supported: the message says so
  kIoError,             // the OS failed a read/write for another reason
  kInternal,            // a bug or an OpenSSL failure
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  // detail: a code of the layer that made the Status, which only that layer's own mapping reads (pkcs11/ puts the
  // CK_RV the specification names there, so a mechanism can say CKR_SIGNATURE_INVALID through a plain Status).
  Status(Code code, std::string message, uint64_t detail)
      : code_(code), message_(std::move(message)), detail_(detail), has_detail_(true) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool has_detail() const { return has_detail_; }
  uint64_t detail() const { return detail_; }
  // "CORRUPT: entry 'k' version 3 failed authentication"
  std::string ToString() const;
  // Prefixes context: Status(kNotFound, "x").Annotate("opening store") -> "opening store: x".
  Status Annotate(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  uint64_t detail_ = 0;
  bool has_detail_ = false;
};

// Result<T>: a value or a non-OK Status. Constructed implicitly from either.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(runtime/explicit)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(runtime/explicit)
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }
  Result(Code code, std::string message) : v_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cf

// Early return on failure. CF_ASSIGN_OR_RETURN(auto x, Expr()) declares x from a Result<T>.
#define CF_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::cf::Status cf_status_ = (expr);        \
    if (!cf_status_.ok()) return cf_status_; \
  } while (0)

#define CF_CONCAT_INNER_(a, b) a##b
#define CF_CONCAT_(a, b) CF_CONCAT_INNER_(a, b)
#define CF_ASSIGN_OR_RETURN(lhs, expr) CF_ASSIGN_OR_RETURN_IMPL_(CF_CONCAT_(cf_result_, __LINE__), lhs, expr)
#define CF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
