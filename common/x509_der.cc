// i2d_X509 twice: once for the length, once into a buffer of that length; d2i_X509 into a certificate of LibCtx().
#include "common/x509_der.h"

#include <openssl/pem.h>

#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::ossl {

Result<Bytes> CertificateDer(X509* cert) {
  int len = cert == nullptr ? 0 : i2d_X509(cert, nullptr);
  if (len <= 0) return Error("i2d_X509");
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (i2d_X509(cert, &p) != len) return Error("i2d_X509");
  return out;
}

X509* NewX509() { return X509_new_ex(LibCtx(), kPropQuery); }

X509* D2iX509(const unsigned char** in, long len) {
  X509* cert = NewX509();
  if (cert == nullptr) return nullptr;
  if (d2i_X509(&cert, in, len) == nullptr) {
    X509_free(cert);  // OpenSSL 3 frees and nulls it on failure already; a no-op then
    return nullptr;
  }
  return cert;
}

X509* PemReadX509(BIO* bio) {
  X509* cert = NewX509();
  if (cert != nullptr && PEM_read_bio_X509(bio, &cert, nullptr, nullptr) == nullptr) {
    X509_free(cert);  // nulled already when decoding failed, still ours when no PEM block was found
    return nullptr;
  }
  return cert;
}

std::string SubjectCommonName(X509* cert) {
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof(buf));
  return buf;
}

}  // namespace cf::ossl
