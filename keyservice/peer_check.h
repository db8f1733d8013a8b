// The one admission rule of the key service: a peer is admitted when its admission certificate chains to this
// domain's policy certificate (the only trust anchor) and is valid now. OpenSSL applies the rule during the TLS
// handshake (tls_context.h); this file states it for a certificate in hand (our own, at start-up) and turns
// OpenSSL's verdict into a reason a reader can act on. No I/O.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::keysvc {

struct PeerIdentity {
  std::string subject;      // one line, RFC 2253
  std::string measurement;  // hex, from the subject's O=Measured-<hex>; empty when absent
};

// kPermissionDenied with the reason (not issued under this policy certificate, i.e. another policy domain;
// expired on ...; not valid before ...; bad signature) when `cert_der` is not admitted at Unix time `now`.
// kCorrupt when either certificate does not parse.
Result<PeerIdentity> VerifyAdmissionCertificate(ByteView cert_der, ByteView policy_cert_der, int64_t now);

// The reason for an X509_V_ERR_* code, in the key service's words ("not issued under this domain's policy
// certificate (another policy domain?)", "expired").
std::string DescribeVerifyError(long verify_result);

// Who the peer of an established TLS connection is (its verified certificate); kPermissionDenied when it sent
// none or it did not verify (never expected after a handshake that required it: checked again all the same).
Result<PeerIdentity> IdentifyPeer(SSL* ssl);

}  // namespace cf::keysvc
