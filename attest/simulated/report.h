// The simulated enclave's attestation: a signed_report ("vse-attestation-report") whose vse_attestation_report_info
// says `measurement` and carries `what_to_say` for a day, signed by the platform's attestation key. Shared by our
// simulated platform and the framework's (attest/cf_compat): the format is the framework's, and one writer keeps
// both the same.
#pragma once

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest::simulated {

Result<Bytes> SignedReport(EVP_PKEY* attest_key, const wire::key_message& attest_public, ByteView measurement,
                           ByteView what_to_say);

}  // namespace cf::attest::simulated
