// SecureBytes: a byte vector whose memory is wiped (OPENSSL_cleanse) before it is freed, for keys, PINs and
// plaintext blobs. Growth reallocates through the same allocator, so no stale copy is left unwiped.
#pragma once

#include <openssl/crypto.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cf {

template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) {}  // NOLINT(runtime/explicit)
  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <typename U>
  bool operator==(const WipingAllocator<U>&) const {
    return true;
  }
};

using SecureBytes = std::vector<uint8_t, WipingAllocator<uint8_t>>;
using SecureString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

inline SecureBytes ToSecure(std::span<const uint8_t> b) { return SecureBytes(b.begin(), b.end()); }
inline SecureBytes ToSecure(std::string_view s) { return SecureBytes(s.begin(), s.end()); }

}  // namespace cf
