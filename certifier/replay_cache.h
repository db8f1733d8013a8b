// Remembers nonces seen within the freshness window so the same evidence is admitted once. Bounded in entries;
// per process (each replica has its own, which the README states). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace cf::certifier {

class ReplayCache {
 public:
  ReplayCache(int64_t window_seconds, size_t max_entries) : window_(window_seconds), max_(max_entries) {}
  // True when `nonce` is new (and now remembered until now + window); false for a replay, or when the cache is
  // full of unexpired nonces (refusing is the safe choice under a flood).
  bool Admit(const std::string& nonce, int64_t now);
  size_t size() const;

 private:
  void Expire(int64_t now);
  const int64_t window_;
  const size_t max_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> expiry_;          // nonce -> time it may be forgotten
  std::multimap<int64_t, std::string> by_expiry_;  // for expiring oldest first
};

}  // namespace cf::certifier
