// Fuzz target: the framework's key_message as it arrives from outside (a policy's platform key, an imported
// cryptstore, a key entry cf-osutility stored, a request's enclave key): parsed, turned into an OpenSSL key and
// back into its public half.
#include <cstdint>

#include "proto/certifier.pb.h"
#include "proto/key_codec.h"
#include "quiet_protobuf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cf::wire::key_message key;
  if (!key.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto pkey = cf::keys::PKeyFromKeyMessage(key);
  if (pkey.ok()) (void)cf::keys::KeyMessageFromPKey(pkey->get(), false, "fuzz");
  (void)cf::keys::PublicKeyMessage(key);
  return 0;
}
