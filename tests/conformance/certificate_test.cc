// Certificate objects (PKCS#11 3.0 section 4.6): an X.509 certificate created from DER, read back, found by
// class and CKA_ID the way OpenSSH, libp11 and NSS pair it with its key, and the attributes its creation needs.
#include "p11_test.h"
#include "test_certificate.h"

namespace cf::conformance {
namespace {

class CertificateTest : public P11Test {};

const Bytes kId = {0xce, 0x01};

TEST_P(CertificateTest, X509CertificateIsCreatedReadAndFoundById) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  CK_ATTRIBUTE t[] = {Attr(CKA_CLASS, cls),           Attr(CKA_CERTIFICATE_TYPE, type),
                      AttrBytes(CKA_VALUE, kCertDer), AttrBytes(CKA_SUBJECT, kSubject),
                      AttrBytes(CKA_ID, kId),         AttrStr(CKA_LABEL, "conf-cert")};
  CK_OBJECT_HANDLE cert = CK_INVALID_HANDLE;
  ASSERT_EQ(f_->C_CreateObject(s, t, 6, &cert), CKR_OK);
  EXPECT_EQ(GetBytes(s, cert, CKA_VALUE), kCertDer);
  EXPECT_EQ(GetBytes(s, cert, CKA_SUBJECT), kSubject);
  EXPECT_EQ(GetUlong(s, cert, CKA_CERTIFICATE_TYPE), CKC_X_509);
  // Certificates are public objects by default (section 4.4: CKA_PRIVATE's default is token-specific, but a
  // certificate a public session cannot see breaks every client that lists certificates before login).
  EXPECT_EQ(GetBool(s, cert, CKA_PRIVATE), CK_FALSE);
  EXPECT_EQ(Find(s, {Attr(CKA_CLASS, cls), AttrBytes(CKA_ID, kId)}), std::vector<CK_OBJECT_HANDLE>{cert});
}

TEST_P(CertificateTest, CertificateTypeAndValueAreRequired) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  CK_OBJECT_HANDLE cert = CK_INVALID_HANDLE;
  // Section 4.6.1: CKA_CERTIFICATE_TYPE must be given when a certificate is created.
  CK_ATTRIBUTE no_type[] = {Attr(CKA_CLASS, cls), AttrBytes(CKA_VALUE, kCertDer), AttrBytes(CKA_SUBJECT, kSubject)};
  EXPECT_EQ(f_->C_CreateObject(s, no_type, 3, &cert), CKR_TEMPLATE_INCOMPLETE);
  // Section 4.6.3 (X.509 table): CKA_VALUE is required on creation.
  CK_ATTRIBUTE no_value[] = {Attr(CKA_CLASS, cls), Attr(CKA_CERTIFICATE_TYPE, type), AttrBytes(CKA_SUBJECT, kSubject)};
  EXPECT_EQ(f_->C_CreateObject(s, no_value, 3, &cert), CKR_TEMPLATE_INCOMPLETE);
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(CertificateTest);

}  // namespace cf::conformance
