// The TPM commands the TPM enclave needs, each on an open TpmContext, each flushing what it loaded: read PCRs,
// seal/unseal a small secret under a PolicyPCR policy, create the attestation key, quote. Objects travel as
// marshalled TPM2B_PUBLIC / TPM2B_PRIVATE bytes (Tss2_MU), which is how they are kept on disk.
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include <vector>

#include "attest/tpm/tpm_context.h"
#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::attest::tpm {

struct TpmObject {
  Bytes public_area;   // marshalled TPM2B_PUBLIC
  Bytes private_area;  // marshalled TPM2B_PRIVATE
};

// The selected PCR values in ascending order (the order TPM2_Quote digests them).
Result<std::vector<Bytes>> ReadPcrs(TpmContext& tpm, const TPML_PCR_SELECTION& selection);

// A keyedhash sealed object holding `secret` (at most 128 bytes) whose only authorisation is PolicyPCR over
// `selection` at the PCRs' current values, or, when `expected_pcr_digest` is given, at the values whose PcrDigest
// it is (sealing ahead for a planned boot change).
Result<TpmObject> SealUnderPcrs(TpmContext& tpm, const TPML_PCR_SELECTION& selection, ByteView secret,
                                ByteView expected_pcr_digest = {});

// kUnauthenticated "...boot state..." when the PCRs no longer match the policy; kUnauthenticated "...another
// TPM..." when the storage key cannot load the object (another TPM, or the owner hierarchy was cleared).
Result<SecureBytes> UnsealUnderPcrs(TpmContext& tpm, const TPML_PCR_SELECTION& selection, const TpmObject& sealed);

// The attestation key: ECC P-256, restricted signing (ECDSA-SHA256), fixedTPM, under the storage primary.
Result<TpmObject> CreateAttestationKey(TpmContext& tpm);

struct Quote {
  Bytes attest;     // TPMS_ATTEST bytes (the contents of the TPM2B_ATTEST), what the signature covers
  Bytes signature;  // marshalled TPMT_SIGNATURE
};
// TPM2_Quote by the attestation key over `selection` with extraData = `qualifying_data` (at most 64 bytes).
Result<Quote> QuotePcrs(TpmContext& tpm, const TpmObject& ak, const TPML_PCR_SELECTION& selection,
                        ByteView qualifying_data);

// TPM2_PCR_Extend of the SHA-256 bank (tests and operators simulating a boot change).
Status ExtendPcr(TpmContext& tpm, int pcr, ByteView digest32);

}  // namespace cf::attest::tpm
