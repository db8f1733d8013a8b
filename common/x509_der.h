// An X.509 certificate as DER and back: the one i2d_X509 call of the code base (attestation evidence, admission
// certificates, the policy certificate a token stores), and the certificate objects made in the private OpenSSL
// context (X509_verify and X509_get0_pubkey work in the context a certificate was made in).
#pragma once

#include <openssl/x509.h>

#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::ossl {

// kInternal with OpenSSL's reason when the certificate cannot be encoded.
Result<Bytes> CertificateDer(X509* cert);

// X509_new_ex in LibCtx(): what d2i_X509, PEM_read_bio_X509 and certificate building start from.
X509* NewX509();
// d2i_X509 into a NewX509() certificate: same contract as d2i_X509(nullptr, in, len) (advances *in; null on error).
X509* D2iX509(const unsigned char** in, long len);
// PEM_read_bio_X509 into a NewX509() certificate; null when the BIO holds no readable certificate.
X509* PemReadX509(BIO* bio);

// The subject's commonName for messages (at most 255 bytes), or empty when it has none.
std::string SubjectCommonName(X509* cert);

}  // namespace cf::ossl
