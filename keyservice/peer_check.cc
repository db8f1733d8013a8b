// Chain verification against the policy certificate alone, and the names of its failures. The TLS handshake uses
// OpenSSL's verifier with the same single anchor (tls_context.cc), so both paths judge a peer the same way.
#include "keyservice/peer_check.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::keysvc {
namespace {

Result<ossl::X509Ptr> ParseDer(ByteView der, const char* what) {
  ossl::X509Ptr cert(X509_new_ex(ossl::LibCtx(), ossl::kPropQuery));
  X509* raw = cert.get();
  const unsigned char* p = der.data();
  if (!cert || d2i_X509(&raw, &p, static_cast<long>(der.size())) == nullptr || p != der.data() + der.size()) {
    return Status(Code::kCorrupt, std::string(what) + " is not a DER X.509 certificate");
  }
  return cert;
}

std::string Field(X509_NAME* name, int nid) {
  int at = X509_NAME_get_index_by_NID(name, nid, -1);
  if (at < 0) return "";
  ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<size_t>(ASN1_STRING_length(value)));
}

PeerIdentity IdentityOf(X509* cert) {
  PeerIdentity out;
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (bio && X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    out.subject.assign(data, static_cast<size_t>(n));
  }
  std::string org = Field(X509_get_subject_name(cert), NID_organizationName);
  constexpr std::string_view kPrefix = "Measured-";
  if (org.rfind(kPrefix, 0) == 0) out.measurement = org.substr(kPrefix.size());
  return out;
}

}  // namespace

std::string DescribeVerifyError(long verify_result) {
  switch (verify_result) {
    case X509_V_OK:
      return "verified";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "admission certificate not issued under this domain's policy certificate (another policy domain?)";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "admission certificate expired (certify again: cf-osutility --init-trust)";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "admission certificate not valid yet (a clock is off)";
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return "admission certificate signature does not verify under the policy certificate";
    default:
      return std::string("admission certificate refused: ") + X509_verify_cert_error_string(verify_result);
  }
}

Result<PeerIdentity> VerifyAdmissionCertificate(ByteView cert_der, ByteView policy_cert_der, int64_t now) {
  CF_ASSIGN_OR_RETURN(ossl::X509Ptr cert, ParseDer(cert_der, "the admission certificate"));
  CF_ASSIGN_OR_RETURN(ossl::X509Ptr policy, ParseDer(policy_cert_der, "the policy certificate"));
  ossl::X509Store anchors(X509_STORE_new());
  ossl::X509StoreCtx ctx(X509_STORE_CTX_new_ex(ossl::LibCtx(), ossl::kPropQuery));
  if (!anchors || !ctx || X509_STORE_add_cert(anchors.get(), policy.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), anchors.get(), cert.get(), nullptr) != 1) {
    return ossl::Error("preparing to verify the admission certificate");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    return Status(Code::kPermissionDenied, DescribeVerifyError(X509_STORE_CTX_get_error(ctx.get())));
  }
  return IdentityOf(cert.get());
}

Result<PeerIdentity> IdentifyPeer(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr) return Status(Code::kPermissionDenied, "the peer presented no admission certificate");
  long verdict = SSL_get_verify_result(ssl);
  if (verdict != X509_V_OK) return Status(Code::kPermissionDenied, DescribeVerifyError(verdict));
  return IdentityOf(peer);
}

}  // namespace cf::keysvc
