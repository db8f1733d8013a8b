// i2d_X509 twice: once for the length, once into a buffer of that length.
#include "common/x509_der.h"

#include "common/ossl.h"

namespace cf::ossl {

Result<Bytes> CertificateDer(X509* cert) {
  int len = cert == nullptr ? 0 : i2d_X509(cert, nullptr);
  if (len <= 0) return Error("i2d_X509");
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (i2d_X509(cert, &p) != len) return Error("i2d_X509");
  return out;
}

}  // namespace cf::ossl
