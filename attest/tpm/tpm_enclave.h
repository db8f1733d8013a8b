// The TPM 2.0 Enclave backend ("tpm-enclave", the framework's name). Seal: AES-256-GCM under the platform sealing
// key, which the TPM seals under a PolicyPCR policy (options.tpm_pcrs, default PCR 7; sealing_key.h); Attest:
// TPM2_Quote by an attestation key kept in options.directory (ak.pub, ak.priv: marshalled TPM2B_PUBLIC/
// TPM2B_PRIVATE, wrapped by the storage primary; ak.key: the AK as a serialized key_message). See README.md here.
#pragma once

#include <memory>

#include "attest/enclave.h"

namespace cf::attest {

// kUnreachable when the TPM cannot be opened through the TCTI; kNotFound when the directory has no attestation key
// and create_if_missing is false; kInvalidArgument for a bad PCR selection.
Result<std::unique_ptr<Enclave>> OpenTpmEnclave(const EnclaveOptions& options);

// Operator commands for a planned boot change (cf-osutility --tpm-prepare-reseal / --tpm-reseal). Both need the
// sealing key to unseal now. Prepare: seal it also to `expected_pcrs` ("7=<hex>,0=<hex>": SHA-256 values for the
// PCRs of options.tpm_pcrs) for the next boot. Reseal: seal it to the current PCRs of options.tpm_pcrs.
Status PrepareTpmReseal(const EnclaveOptions& options, const std::string& expected_pcrs);
Status ResealTpmToCurrentBootState(const EnclaveOptions& options);

}  // namespace cf::attest
