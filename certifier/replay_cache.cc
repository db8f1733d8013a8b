// Replay cache: two indexes under one mutex, expired entries dropped on each admission.
#include "certifier/replay_cache.h"

namespace cf::certifier {

void ReplayCache::Expire(int64_t now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now) {
    expiry_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

bool ReplayCache::Admit(const std::string& nonce, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  Expire(now);
  if (expiry_.count(nonce) != 0) return false;
  if (expiry_.size() >= max_) return false;
  // Twice the window: evidence is accepted up to `window` early or late, so it must be remembered that long.
  int64_t until = now + 2 * window_;
  expiry_.emplace(nonce, until);
  by_expiry_.emplace(until, nonce);
  return true;
}

size_t ReplayCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expiry_.size();
}

}  // namespace cf::certifier
