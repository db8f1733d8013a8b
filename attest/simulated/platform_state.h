// The simulated platform's persistent state: made once (random sealing key, platformKey, attestKey, the signed
// claim "platformKey says attestKey is-trusted-for-attestation", measurement), saved 0600 in the platform
// directory, loaded on every open. No sealing or attesting happens here.
#pragma once

#include <string>

#include "attest/enclave.h"
#include "common/ossl.h"
#include "common/secure_bytes.h"
#include "proto/certifier.pb.h"

namespace cf::attest::simulated {

inline constexpr char kStateFileName[] = "simulated-platform.bin";

struct PlatformState {
  SecureBytes sealing_key;
  ossl::PKey platform_key;
  ossl::PKey attest_key;
  wire::key_message platform_public;  // key_name "platformKey"
  wire::key_message attest_public;    // key_name "attestKey"
  wire::signed_claim_message attest_key_claim;
  Bytes measurement;
};

// Loads <directory>/simulated-platform.bin, or creates it (directory 0700, file 0600) when missing and
// options.create_if_missing. kNotFound / kCorrupt / kPermissionDenied name the file and what to do.
Result<PlatformState> LoadOrCreatePlatform(const EnclaveOptions& options);

}  // namespace cf::attest::simulated
