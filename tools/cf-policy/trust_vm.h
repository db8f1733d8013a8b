// `cf-policy trust-vm`: measure the VM built from the given files (cf-measure's flags) and add a
// trust-measurement line for it to a policy text, so "trust the VM built from these files" is one command.
#pragma once

#include <string>

#include "attest/sev_snp/measure/measure_request.h"

namespace cf::tools {

// Appends "trust-measurement <hex>  # VM: <what was measured>" to policy_text (created if absent) and names the
// line on stderr. SNP only: the Certifier Service compares SNP reports' measurements. Returns the exit status.
int TrustVm(const std::string& policy_text, const attest::snp::measure::MeasureRequest& request);

}  // namespace cf::tools
