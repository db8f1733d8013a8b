// The private OpenSSL library context: opened lazily, closed by C_Finalize.
#include "common/ossl_context.h"

#include <openssl/crypto.h>
#include <openssl/provider.h>

#include <atomic>
#include <mutex>

namespace cf::ossl {
namespace {

std::mutex g_mutex;
std::atomic<OSSL_LIB_CTX*> g_ctx{nullptr};
OSSL_PROVIDER* g_default = nullptr;
OSSL_PROVIDER* g_base = nullptr;

OSSL_LIB_CTX* OpenLocked() {
  OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
  if (ctx == nullptr) return nullptr;
  g_default = OSSL_PROVIDER_load(ctx, "default");
  g_base = OSSL_PROVIDER_load(ctx, "base");
  if (g_default == nullptr || g_base == nullptr) {
    if (g_base != nullptr) OSSL_PROVIDER_unload(g_base);
    if (g_default != nullptr) OSSL_PROVIDER_unload(g_default);
    g_default = g_base = nullptr;
    OSSL_LIB_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

}  // namespace

OSSL_LIB_CTX* LibCtx() {
  OSSL_LIB_CTX* ctx = g_ctx.load(std::memory_order_acquire);
  if (ctx != nullptr) return ctx;
  std::lock_guard<std::mutex> lock(g_mutex);
  ctx = g_ctx.load(std::memory_order_relaxed);
  if (ctx == nullptr) {
    ctx = OpenLocked();
    if (ctx != nullptr) g_ctx.store(ctx, std::memory_order_release);
  }
  return ctx;
}

void CloseLibCtx() {
  std::lock_guard<std::mutex> lock(g_mutex);
  OSSL_LIB_CTX* ctx = g_ctx.exchange(nullptr, std::memory_order_acq_rel);
  if (ctx == nullptr) return;
  OSSL_PROVIDER_unload(g_base);
  OSSL_PROVIDER_unload(g_default);
  g_default = g_base = nullptr;
  OSSL_LIB_CTX_free(ctx);
}

}  // namespace cf::ossl
