// A Sealer for cryptstore tests: AES-256-GCM under a per-"platform" key, so a store opened with another
// TestSealer behaves like one moved to another platform (kUnauthenticated). Real platforms come from attest/.
#pragma once

#include "common/aead.h"
#include "common/random.h"
#include "cryptstore/sealer.h"

namespace cf::store::testing {

class TestSealer : public Sealer {
 public:
  TestSealer() : key_(std::move(RandomSecret(32)).value()) {}
  Result<Bytes> Seal(ByteView secret) override { return aead::Seal(key_, secret, AsBytes("test-platform")); }
  Result<SecureBytes> Unseal(ByteView sealed) override {
    if (sealed.size() < aead::kOverhead) return Status(Code::kCorrupt, "sealed blob truncated");
    auto r = aead::Open(key_, sealed, AsBytes("test-platform"));
    if (!r.ok()) return Status(Code::kUnauthenticated, "sealed by another test platform");
    return r;
  }

 private:
  SecureBytes key_;
};

}  // namespace cf::store::testing
