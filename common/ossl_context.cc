// The private OpenSSL library context: opened lazily, closed by C_Finalize, with a cache of fetched algorithms
// that lives and dies with it.
#include "common/ossl_context.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cf::ossl {
namespace {

// Fetched algorithms by the name they were asked for. Every operation reads, so reads take no lock: they look in
// an immutable snapshot; a miss fetches under the writers' mutex and publishes a copy with the new name. The
// snapshots live until the context closes (one per distinct name: a few dozen at most). A std::mutex, not a
// reader-writer lock: the fork handlers hold it across fork, and glibc cannot unlock a rwlock in the child.
template <typename T, T* (*Fetch)(OSSL_LIB_CTX*, const char*, const char*), void (*Free)(T*)>
class FetchCache {
  using Map = std::map<std::string, T*, std::less<>>;

 public:
  FetchCache() {
    snapshots_.push_back(std::make_unique<Map>());
    current_.store(snapshots_.back().get());
  }
  ~FetchCache() {
    for (auto& [name, alg] : *current_.load()) Free(alg);
  }
  T* Get(OSSL_LIB_CTX* ctx, const char* name, std::mutex& writers) {
    if (T* alg = Find(name)) return alg;
    std::lock_guard<std::mutex> lock(writers);
    if (T* alg = Find(name)) return alg;
    T* alg = Fetch(ctx, name, kPropQuery);
    if (alg == nullptr) return nullptr;  // a miss is not cached: the next call reports it again
    auto next = std::make_unique<Map>(*current_.load(std::memory_order_relaxed));
    next->emplace(name, alg);
    current_.store(next.get(), std::memory_order_release);
    snapshots_.push_back(std::move(next));
    return alg;
  }

 private:
  T* Find(const char* name) const {
    const Map* map = current_.load(std::memory_order_acquire);
    auto it = map->find(std::string_view(name));
    return it == map->end() ? nullptr : it->second;
  }

  std::vector<std::unique_ptr<Map>> snapshots_;  // under the writers' mutex; the last is current_
  std::atomic<const Map*> current_{nullptr};
};

// One open context: the OSSL_LIB_CTX, the providers loaded into it and what was fetched from it.
struct Context {
  OSSL_LIB_CTX* ctx = nullptr;
  OSSL_PROVIDER* default_provider = nullptr;
  OSSL_PROVIDER* base_provider = nullptr;
  std::mutex fetch_mu;  // fetches that miss the caches
  FetchCache<EVP_MD, EVP_MD_fetch, EVP_MD_free> digests;
  FetchCache<EVP_CIPHER, EVP_CIPHER_fetch, EVP_CIPHER_free> ciphers;
  FetchCache<EVP_MAC, EVP_MAC_fetch, EVP_MAC_free> macs;  // members die before CloseLibCtx unloads providers
};

std::mutex g_mutex;  // opening and closing
std::atomic<Context*> g_context{nullptr};

Context* OpenLocked() {
  auto* c = new Context();
  c->ctx = OSSL_LIB_CTX_new();
  if (c->ctx != nullptr) {
    c->default_provider = OSSL_PROVIDER_load(c->ctx, "default");
    c->base_provider = OSSL_PROVIDER_load(c->ctx, "base");
  }
  if (c->default_provider != nullptr && c->base_provider != nullptr) return c;
  if (c->base_provider != nullptr) OSSL_PROVIDER_unload(c->base_provider);
  if (c->default_provider != nullptr) OSSL_PROVIDER_unload(c->default_provider);
  OSSL_LIB_CTX_free(c->ctx);
  delete c;
  return nullptr;
}

Context* Current() {
  Context* c = g_context.load(std::memory_order_acquire);
  if (c != nullptr) return c;
  std::lock_guard<std::mutex> lock(g_mutex);
  c = g_context.load(std::memory_order_relaxed);
  if (c == nullptr) {
    c = OpenLocked();
    if (c != nullptr) g_context.store(c, std::memory_order_release);
  }
  return c;
}

}  // namespace

OSSL_LIB_CTX* LibCtx() {
  Context* c = Current();
  return c == nullptr ? nullptr : c->ctx;
}

Status OpenLibCtx() {
  if (Current() != nullptr) return Status::Ok();
  return Status(Code::kInternal,
                "cannot open a private OpenSSL library context with the default and base providers (OpenSSL's "
                "provider modules missing, or out of memory)");
}

const EVP_MD* FetchedDigest(const char* name) {
  Context* c = Current();
  return c == nullptr ? nullptr : c->digests.Get(c->ctx, name, c->fetch_mu);
}

const EVP_CIPHER* FetchedCipher(const char* name) {
  Context* c = Current();
  return c == nullptr ? nullptr : c->ciphers.Get(c->ctx, name, c->fetch_mu);
}

EVP_MAC* FetchedMac(const char* name) {
  Context* c = Current();
  return c == nullptr ? nullptr : c->macs.Get(c->ctx, name, c->fetch_mu);
}

void CloseLibCtx() {
  std::lock_guard<std::mutex> lock(g_mutex);
  Context* c = g_context.exchange(nullptr, std::memory_order_acq_rel);
  if (c == nullptr) return;
  OSSL_PROVIDER* base = c->base_provider;
  OSSL_PROVIDER* default_provider = c->default_provider;
  OSSL_LIB_CTX* ctx = c->ctx;
  delete c;  // the fetched algorithms first: they hold the providers
  OSSL_PROVIDER_unload(base);
  OSSL_PROVIDER_unload(default_provider);
  OSSL_LIB_CTX_free(ctx);
}

void LockForFork() {
  Context* c = g_context.load(std::memory_order_acquire);
  if (c != nullptr) c->fetch_mu.lock();
}

void UnlockAfterFork() {
  Context* c = g_context.load(std::memory_order_acquire);
  if (c != nullptr) c->fetch_mu.unlock();
}

}  // namespace cf::ossl
