// Verification of TPM 2.0 quote evidence (WIRE.md "TPM 2.0 evidence (ours)"): the attestation key's public area
// (an ECC P-256 restricted, fixedTPM signing key), TPMS_ATTEST of type quote with the TPM's magic, its ECDSA-SHA256
// signature by that key, extraData == SHA-256(what_was_said), and the quote's PCR digest == SHA-256 over the PCR
// values supplied. Produces facts (the AK as a key_message, the measurement); whether the AK and the measurement
// are trusted is for the policy (certifier/).
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include <vector>

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/status.h"
#include "proto/certifier.pb.h"
#include "proto/tpm.pb.h"

namespace cf::attest {

inline constexpr char kTpmPackage[] = "tpm-platform-package";
inline constexpr char kTpmAkEvidence[] = "tpm-ak-public";             // marshalled TPM2B_PUBLIC of the attestation key
inline constexpr char kTpmAttestationEvidence[] = "tpm-attestation";  // serialized tpm_attestation_message
inline constexpr char kTpmSigningAlgorithm[] = "ecdsa-p256-sha256";

struct TpmAk {
  ossl::PKey key;
  wire::key_message key_message;  // name "tpm-ak": what a policy's trust-platform-key names
};
// kInvalidArgument when the bytes are not a TPM2B_PUBLIC of the AK shape above (the message says which part).
Result<TpmAk> ParseAttestationKey(ByteView marshalled_public);

struct TpmAttestation {
  TPML_PCR_SELECTION selection = {};
  std::vector<Bytes> pcr_values;  // in the selection's order
  Bytes measurement;              // tpm::PcrMeasurement(selection, pcr_values)
  uint64_t clock = 0;             // TPMS_CLOCK_INFO.clock of the quote (informational)
  wire::attestation_user_data user_data;
};
// kUnauthenticated for a bad signature, wrong magic/type, qualifying data for other data, or PCR values that are
// not the quoted ones; kCorrupt for bytes that do not unmarshal.
Result<TpmAttestation> VerifyTpmAttestation(const wire::tpm_attestation_message& message, const TpmAk& ak);

}  // namespace cf::attest
