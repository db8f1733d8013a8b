// The Certifier Framework's sealed files as its own tools write them (its `protect_blob`): a serialized
// protected_blob_message {1: the sealed key_message of a fresh file key, 2: the content encrypted under that key by
// the key's key_type, aes-256-gcm or aes-256-cbc-hmac-sha256}. Its encrypted cryptstore and its policy store are both
// this. The Sealer decides the platform (the framework's simulated enclave or SEV sealing for its files). Whole-file
// reads and atomic whole-file writes; no locking beyond what the framework does (none).
#pragma once

#include <string>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "cryptstore/sealer.h"

namespace cf::store {

struct FrameworkFileContent {
  SecureBytes plaintext;
  std::string key_type;  // the file key's algorithm, kept so a rewrite seals the way the file was sealed
};

// kNotFound when missing; kCorrupt when it is not a protected blob or does not authenticate; kUnauthenticated /
// kCorrupt from the sealer when it was sealed on another platform or measurement. `what` names the file in messages.
Result<FrameworkFileContent> ReadFrameworkFile(const std::string& path, Sealer& sealer, const std::string& what);

// Encrypts `plaintext` under a fresh key of `key_type` named `key_name` ("cryptstore-sealing-key" for the
// cryptstore, "protect-key" for the policy store), seals the key and replaces the file atomically (0600).
Status WriteFrameworkFile(const std::string& path, Sealer& sealer, ByteView plaintext, const std::string& key_type,
                          const std::string& key_name);

}  // namespace cf::store
