// An X.509 certificate as DER: the one i2d_X509 call of the code base (attestation evidence, admission
// certificates, the policy certificate a token stores).
#pragma once

#include <openssl/x509.h>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::ossl {

// kInternal with OpenSSL's reason when the certificate cannot be encoded.
Result<Bytes> CertificateDer(X509* cert);

}  // namespace cf::ossl
