// The private OpenSSL library context. The module lives inside other people's processes, and their OpenSSL
// configuration (OPENSSL_CONF, `default_properties = ?provider=pkcs11`, libp11 set as the default RSA/EC engine,
// extra providers) must never reach the crypto this code base does: otherwise our own key imports loop back into a
// PKCS#11 provider that calls us. So every OpenSSL call here passes LibCtx() through the `_ex` forms (fetches,
// EVP_PKEY_CTX_new_from_*, d2i_*_ex, X509_new_ex, RAND_bytes_ex, ...) instead of the implicit default context;
// scripts/check-libctx.sh fails the build's tests when a default-context call comes back.
#pragma once

#include <openssl/types.h>

#include "common/status.h"

namespace cf::ossl {

// The context, opened on first use with OpenSSL's "default" and "base" providers loaded into it and no
// configuration file read. Null only if it cannot be opened (out of memory, providers missing): C_Initialize and
// the tools open it first and stop there with an error, so code below them may take it as non-null.
OSSL_LIB_CTX* LibCtx();

// Opens LibCtx() now: what C_Initialize and every tool's main() call first, so a missing provider is one clear
// error at start rather than a failure deep in some later operation.
Status OpenLibCtx();

// Property query passed with LibCtx(): none. The private context has no default properties, which is the point.
inline constexpr const char* kPropQuery = nullptr;

// Algorithms fetched from LibCtx() once per context and kept until CloseLibCtx (a fetch is a locked name lookup:
// too slow per operation). Null when the context is closed or does not implement the name.
const EVP_MD* FetchedDigest(const char* name);
const EVP_CIPHER* FetchedCipher(const char* name);
EVP_MAC* FetchedMac(const char* name);

// Frees the context and what was fetched from it (C_Finalize), once nothing made in it is alive any more (keys,
// certificates, operation contexts); the next LibCtx() opens a new one.
void CloseLibCtx();

// pthread_atfork hooks (called from the module's own handlers): the fetch cache's lock is taken across fork, so a
// child never inherits it held by a thread that does not exist there.
void LockForFork();
void UnlockAfterFork();

}  // namespace cf::ossl
