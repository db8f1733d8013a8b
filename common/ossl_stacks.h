// The unique_ptr aliases of ossl.h for the OpenSSL types chain and CRL checks need: CRLs, and stacks that free
// their elements with them (certificates, CRLs, the ASN.1 SEQUENCE OF ANY used to walk extension contents).
// Kept beside ossl.h rather than in it so the X509_STORE headers reach only the verifiers that use them.
#pragma once

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

#include "common/ossl.h"

namespace cf::ossl {

inline void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
inline void FreeX509CrlStack(STACK_OF(X509_CRL) * s) { sk_X509_CRL_pop_free(s, X509_CRL_free); }
inline void FreeAsn1Sequence(ASN1_SEQUENCE_ANY* s) { sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free); }

using X509Crl = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509Stack = std::unique_ptr<STACK_OF(X509), Deleter<FreeX509Stack>>;
using X509CrlStack = std::unique_ptr<STACK_OF(X509_CRL), Deleter<FreeX509CrlStack>>;
using Asn1Sequence = std::unique_ptr<ASN1_SEQUENCE_ANY, Deleter<FreeAsn1Sequence>>;

}  // namespace cf::ossl
