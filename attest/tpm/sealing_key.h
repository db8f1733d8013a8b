// The TPM platform's sealing key: 32 random bytes that encrypt everything the enclave seals, themselves sealed by
// the TPM to the boot state (PolicyPCR) in the platform directory, so a planned boot change needs one file re-sealed,
// not every store. Files (serialized TpmSealed, written atomically, created and replaced under an flock):
//   sealing-key.tpm       sealed to the PCR values of the boot state it was made or last re-sealed in
//   sealing-key.next.tpm  the same key sealed ahead to expected PCR values (PrepareNextBootState); when the current
//                         file no longer unseals and this one does, it becomes the current one (old kept as .prev)
//   sealing-key.prev.tpm  the file last replaced, kept for the operator; never read
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include <string>
#include <vector>

#include "attest/tpm/tpm_context.h"
#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::attest::tpm {

// Makes sealing-key.tpm (sealed to the current values of `selection`) unless it exists.
Status CreateSealingKeyIfMissing(TpmContext& tpm, const std::string& directory, const TPML_PCR_SELECTION& selection);

// The key, from sealing-key.tpm, else from sealing-key.next.tpm (then promoted). kUnauthenticated saying the boot
// state differs (both digests in hex) and what to do when neither unseals; kNotFound when there is no key file.
Result<SecureBytes> UnsealSealingKey(TpmContext& tpm, const std::string& directory);

// While the key still unseals: seal it also to `expected_values` (one SHA-256 value per PCR of `selection`, in
// ascending order) as sealing-key.next.tpm, for the boot state after a planned firmware/kernel update.
Status PrepareNextBootState(TpmContext& tpm, const std::string& directory, const TPML_PCR_SELECTION& selection,
                            const std::vector<Bytes>& expected_values);

// While the key still unseals (now, or through .next): seal it to the current values of `selection` (which may be
// a new selection) as sealing-key.tpm, the replaced file kept as .prev and .next removed.
Status ResealToCurrentBootState(TpmContext& tpm, const std::string& directory, const TPML_PCR_SELECTION& selection);

}  // namespace cf::attest::tpm
