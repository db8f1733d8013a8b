// Random bytes from OpenSSL's DRBG (fork-safe: OpenSSL 3 reseeds after fork).
#pragma once

#include <cstddef>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf {

Status RandomFill(void* out, size_t n);
Result<Bytes> RandomBytes(size_t n);
Result<SecureBytes> RandomSecret(size_t n);

}  // namespace cf
