// SSL_CTX set-up for both ends of the key service. Peer verification is OpenSSL's chain check against a store that
// holds only the policy certificate (peer_check.h states the same rule for certificates in hand); no host name is
// checked, because a peer is identified by its admission certificate, not by its address.
#include "keyservice/tls_context.h"

#include <openssl/x509_vfy.h>

#include "common/ossl_context.h"

namespace cf::keysvc {
namespace {

Result<ossl::X509Ptr> Certificate(const Bytes& der, const char* what) {
  ossl::X509Ptr cert(X509_new_ex(ossl::LibCtx(), ossl::kPropQuery));
  X509* raw = cert.get();
  const unsigned char* p = der.data();
  if (!cert || d2i_X509(&raw, &p, static_cast<long>(der.size())) == nullptr) {
    return Status(Code::kCorrupt, std::string(what) + " is not a DER X.509 certificate");
  }
  return cert;
}

// Our certificate and key, checked to belong together.
Status UseIdentity(SSL_CTX* ctx, const Credentials& credentials) {
  CF_ASSIGN_OR_RETURN(ossl::X509Ptr own, Certificate(credentials.admission_certificate, "the admission certificate"));
  if (SSL_CTX_use_certificate(ctx, own.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, credentials.auth_key.get()) != 1) {
    return ossl::Error("loading the auth key and admission certificate into TLS");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Status(Code::kFailedPrecondition,
                  "the admission certificate is not for this store's auth key (certify the token again)");
  }
  return Status::Ok();
}

// The policy certificate as the only anchor; the peer must present a certificate that chains to it.
Status TrustOnlyThePolicy(SSL_CTX* ctx, Side side, const Credentials& credentials) {
  CF_ASSIGN_OR_RETURN(ossl::X509Ptr policy, Certificate(credentials.policy_certificate, "the policy certificate"));
  X509_STORE* anchors = X509_STORE_new();
  if (anchors == nullptr || X509_STORE_add_cert(anchors, policy.get()) != 1) {
    X509_STORE_free(anchors);
    return ossl::Error("building the key service's trust store");
  }
  SSL_CTX_set_cert_store(ctx, anchors);  // the context owns it from here
  // The domain is one level: the policy key certifies every admission certificate directly.
  SSL_CTX_set_verify_depth(ctx, 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  if (side == Side::kServer && SSL_CTX_add_client_CA(ctx, policy.get()) != 1) {
    return ossl::Error("naming the policy certificate to clients");
  }
  return Status::Ok();
}

}  // namespace

Result<SslCtx> MakeTlsContext(Side side, const Credentials& credentials) {
  const SSL_METHOD* method = side == Side::kServer ? TLS_server_method() : TLS_client_method();
  SslCtx ctx(SSL_CTX_new_ex(ossl::LibCtx(), ossl::kPropQuery, method));
  if (!ctx) return ossl::Error("creating the key service's TLS context");
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) return ossl::Error("setting TLS 1.2 minimum");
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // One request per connection: no sessions to resume, so no tickets to send or keep.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  if (side == Side::kServer) SSL_CTX_set_num_tickets(ctx.get(), 0);
  CF_RETURN_IF_ERROR(UseIdentity(ctx.get(), credentials));
  CF_RETURN_IF_ERROR(TrustOnlyThePolicy(ctx.get(), side, credentials));
  return ctx;
}

}  // namespace cf::keysvc
