// The key service's TLS configuration, one for each side, built from a token's credentials: the side presents its
// auth key and admission certificate, requires the peer's, and trusts the domain's policy certificate and nothing
// else, so a peer of another policy domain (or none, or an expired one) fails the handshake. TLS 1.3 preferred,
// 1.2 accepted (the framework's channel sets no minimum). Made in the module's private OpenSSL context.
#pragma once

#include <openssl/ssl.h>

#include <memory>

#include "common/ossl.h"
#include "common/status.h"
#include "keyservice/credentials.h"

namespace cf::keysvc {

using SslCtx = std::unique_ptr<SSL_CTX, ossl::Deleter<SSL_CTX_free>>;
using Ssl = std::unique_ptr<SSL, ossl::Deleter<SSL_free>>;

inline constexpr uint16_t kDefaultPort = 8120;  // the framework's cf_key_server and cf_key_client default

enum class Side { kServer, kClient };

Result<SslCtx> MakeTlsContext(Side side, const Credentials& credentials);

}  // namespace cf::keysvc
