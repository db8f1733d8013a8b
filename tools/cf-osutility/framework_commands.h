// cf-osutility's framework mode: the Certifier Framework's cf_utility operations on the framework's own files,
// opened where they lie and written back in place, sealed as the framework seals them on that platform (its
// simulated enclave's constant key over its platform files, or its SEV-SNP derived key). Entry names and formats
// are the framework's; version rules its documented ones (framework_store.h).
#pragma once

#include <memory>

#include "attest/enclave.h"
#include "common/status.h"
#include "cryptstore/sealer.h"
#include "tools/cf-osutility/framework_store.h"
#include "tools/cf-osutility/options.h"

namespace cf::osutil {

struct FrameworkPlatform {
  std::shared_ptr<attest::Enclave> enclave;
  std::shared_ptr<store::Sealer> sealer;
};

// The framework's platform named by --enclave_type and its files (framework_options.h).
Result<FrameworkPlatform> OpenFrameworkPlatform(const Options& options);
// The framework's cryptstore of --data_dir / --encrypted_cryptstore_filename; duplicates are named on stderr.
Result<FrameworkCryptstore> OpenFrameworkStore(const Options& options, const FrameworkPlatform& platform, bool create);

// One operation (options.operation) of a framework command line, then --print_cryptstore when it accompanies one.
Status RunFramework(const Options& options);

// --init_trust / --reinit_trust (framework_init_trust.cc).
Status FrameworkInitTrust(const Options& options);

}  // namespace cf::osutil
