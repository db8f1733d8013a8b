// RAND_bytes wrappers that report failure as a Status.
#include "common/random.h"

#include <openssl/rand.h>

#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf {

Status RandomFill(void* out, size_t n) {
  if (n == 0) return Status::Ok();
  if (RAND_bytes_ex(ossl::LibCtx(), static_cast<unsigned char*>(out), n, 0) != 1) return ossl::Error("RAND_bytes_ex");
  return Status::Ok();
}

Result<Bytes> RandomBytes(size_t n) {
  Bytes out(n);
  CF_RETURN_IF_ERROR(RandomFill(out.data(), n));
  return out;
}

Result<SecureBytes> RandomSecret(size_t n) {
  SecureBytes out(n);
  CF_RETURN_IF_ERROR(RandomFill(out.data(), n));
  return out;
}

}  // namespace cf
