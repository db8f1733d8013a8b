// A Sealer with a fixed key for the store fuzz targets: committed seed stores open, and mutations reach the code
// behind the seal, which a random key would stop at the first unseal. Test code only: the key protects nothing.
#pragma once

#include "common/aead.h"
#include "cryptstore/sealer.h"

namespace cf::fuzz {

class FixedKeySealer : public store::Sealer {
 public:
  Result<Bytes> Seal(ByteView secret) override { return aead::Seal(Key(), secret, AsBytes("fuzz-platform")); }
  Result<SecureBytes> Unseal(ByteView sealed) override { return aead::Open(Key(), sealed, AsBytes("fuzz-platform")); }

 private:
  static ByteView Key() {
    static const uint8_t key[32] = {0x66, 0x75, 0x7a, 0x7a};
    return ByteView(key, sizeof(key));
  }
};

}  // namespace cf::fuzz
