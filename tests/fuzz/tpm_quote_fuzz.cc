// Fuzz target: what a TPM 2.0 client hands the verifier as quote evidence (WIRE.md "TPM 2.0 evidence (ours)"): the
// attestation key's marshalled TPM2B_PUBLIC and a serialized tpm_attestation_message, through ParseAttestationKey
// and VerifyTpmAttestation (Tss2_MU unmarshalling, magic and type, ECDSA signature, qualifying data, PCR digest).
// Input: a 2-byte big-endian length, that many bytes of AK, the message in the rest. The seeds are genuine swtpm
// quotes with their AK, so unmutated they verify all the way and a mutation of the PCR values reaches the last check.
#include <cstdint>

#include "attest/verify_tpm.h"
#include "proto/tpm.pb.h"
#include "quiet_protobuf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t ak_size = (static_cast<size_t>(data[0]) << 8) | data[1];
  if (ak_size > size - 2) ak_size = size - 2;
  cf::ByteView ak_bytes(data + 2, ak_size);
  const uint8_t* message_bytes = data + 2 + ak_size;
  size_t message_size = size - 2 - ak_size;
  auto ak = cf::attest::ParseAttestationKey(ak_bytes);
  cf::wire::tpm_attestation_message message;
  if (!message.ParseFromArray(message_bytes, static_cast<int>(message_size))) return 0;
  if (ak.ok()) (void)cf::attest::VerifyTpmAttestation(message, *ak);
  return 0;
}
