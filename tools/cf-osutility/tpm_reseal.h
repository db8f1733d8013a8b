// cf-osutility --tpm-prepare-reseal / --tpm-reseal: the operator's side of a planned boot change on the TPM
// platform (attest/tpm/README.md). They touch only the platform directory's sealing-key files, never a store.
#pragma once

#include "common/status.h"
#include "tools/cf-osutility/options.h"

namespace cf::osutil {

Status TpmReseal(const Options& options);

}  // namespace cf::osutil
