// PCR selections and what we derive from PCR values, shared by the TPM enclave and the verifier (attest/verify_tpm):
// the text form of a selection ("7", "0,2,7": PCR indexes in the SHA-256 bank), the quote's PCR digest
// (SHA-256 over the selected values in ascending PCR order, as TPM2_Quote computes it) and our measurement
// (WIRE.md "TPM 2.0 evidence (ours)"): SHA-256(marshalled TPML_PCR_SELECTION || the selected values in that order),
// so two quotes over different PCRs never give the same measurement.
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::tpm {

inline constexpr char kDefaultPcrs[] = "7";

// kInvalidArgument naming the bad part; empty text means kDefaultPcrs. Only the SHA-256 bank, PCRs 0..23.
Result<TPML_PCR_SELECTION> ParsePcrSelection(const std::string& text);
// "sha256:0,7" (one bank per selection entry, ';' between entries).
std::string PcrSelectionText(const TPML_PCR_SELECTION& selection);
// How many PCRs the selection names, over all its banks.
size_t SelectedPcrCount(const TPML_PCR_SELECTION& selection);
// Both selections name the same banks and PCRs (a TPM may echo back a selection with trailing zero bytes).
bool SameSelection(const TPML_PCR_SELECTION& a, const TPML_PCR_SELECTION& b);

Result<Bytes> MarshalSelection(const TPML_PCR_SELECTION& selection);
Result<Bytes> PcrDigest(const std::vector<Bytes>& values);
Result<Bytes> PcrMeasurement(const TPML_PCR_SELECTION& selection, const std::vector<Bytes>& values);

}  // namespace cf::attest::tpm
