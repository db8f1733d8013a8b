// Platform properties of an Intel TDX guest, from its verified quote (platform type "intel-tdx"), for the same
// template matching as SEV-SNP (properties.h). MRTD is the measurement (policy `trust-measurement`), not a property.
#pragma once

#include "attest/tdx/quote.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

inline constexpr char kTdxPlatformType[] = "intel-tdx";

// Strings: debug ("yes"/"no", TDATTRIBUTES bit 0), rtmr0..rtmr3, mrconfigid, mrowner, mrownerconfig, mrseam (hex,
// lower case, compared with "="). Ints: td-attributes, xfam, seam-attributes (the 64-bit values), tee-tcb-svn-0 ..
// tee-tcb-svn-15 (TEE_TCB_SVN bytes, for ">=" bounds). The TCB verdict from Intel's collateral (tcb-status,
// qe-status, tdx-module-status, tcb-evaluation-data-number, tcb-date, advisory-ids) is added by
// certifier/tdx_collateral.h when the service has collateral, and is absent (with that reason) when it has none.
wire::platform TdxPlatform(const attest::tdx::TdReport& body);

}  // namespace cf::certifier
