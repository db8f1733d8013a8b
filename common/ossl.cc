// OpenSSL error-queue formatting for Status messages.
#include "common/ossl.h"

#include <openssl/err.h>

namespace cf::ossl {

std::string ErrorString(const std::string& what) {
  std::string out = what;
  unsigned long err;
  const char* sep = ": ";
  // Bounded: the queue holds at most ERR_NUM_ERRORS entries.
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    out += sep;
    out += buf;
    sep = "; ";
  }
  return out;
}

Status Error(const std::string& what) { return Status(Code::kInternal, ErrorString(what)); }

}  // namespace cf::ossl
