// Sealer: how the store gets its data keys protected by the platform. The store hands small secrets (data keys)
// to Seal and gets them back from Unseal; it knows nothing of enclaves, SEV-SNP or attestation. The one adapter
// from an attest::Enclave is tokendir/enclave_adapters.h (EnclaveSealer).
#pragma once

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::store {

class Sealer {
 public:
  virtual ~Sealer() = default;
  virtual Result<Bytes> Seal(ByteView secret) = 0;
  // kUnauthenticated or kCorrupt when the blob was sealed by another platform / measurement or was altered.
  virtual Result<SecureBytes> Unseal(ByteView sealed) = 0;
};

}  // namespace cf::store
