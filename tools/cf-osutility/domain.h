// Where a policy domain's store lives and how cf-osutility opens it: the default domain is the token directory
// itself (the store the PKCS#11 module uses); --policy-domain NAME is <token-dir>/domains/NAME, an independent
// store on the same platform (one sealing state in <token-dir>/platform, shared by every domain).
#pragma once

#include <string>

#include "common/status.h"
#include "tokendir/token_storage.h"
#include "tools/cf-osutility/options.h"

namespace cf::osutil {

std::string DomainDirectory(const Options& options);
tokendir::TokenLocation DomainLocation(const Options& options, bool create);

// Opens platform and store; create only for --init-trust (otherwise a missing store is kNotFound with the
// --init-trust command to run). With a PIN, logs the user in so PIN-tier entries can be read and written.
Result<tokendir::TokenStorage> OpenDomain(const Options& options, bool create);

}  // namespace cf::osutil
