// The private OpenSSL library context. The module lives inside other people's processes, and their OpenSSL
// configuration (OPENSSL_CONF, `default_properties = ?provider=pkcs11`, libp11 set as the default RSA/EC engine,
// extra providers) must never reach the crypto this code base does: otherwise our own key imports loop back into a
// PKCS#11 provider that calls us. So every OpenSSL call here passes LibCtx() through the `_ex` forms (fetches,
// EVP_PKEY_CTX_new_from_*, d2i_*_ex, X509_new_ex, RAND_bytes_ex, ...) instead of the implicit default context.
#pragma once

#include <openssl/types.h>

namespace cf::ossl {

// The context, opened on first use with OpenSSL's "default" and "base" providers loaded into it and no
// configuration file read. Null only if it cannot be opened (out of memory, providers missing): C_Initialize and
// the tools open it first and stop there with an error, so code below them may take it as non-null.
OSSL_LIB_CTX* LibCtx();

// Property query passed with LibCtx(): none. The private context has no default properties, which is the point.
inline constexpr const char* kPropQuery = nullptr;

// Frees the context (C_Finalize) once nothing made in it is alive any more; the next LibCtx() opens a new one.
void CloseLibCtx();

}  // namespace cf::ossl
