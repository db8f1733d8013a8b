// The one Status -> CK_RV translation (STYLE.md rule 4): a Status carrying a CK_RV in detail() keeps it; the
// other layers' codes map by cf::Code. Also names CK_RVs for log lines.
#pragma once

#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11 {

CK_RV ToRv(const Status& status);
const char* RvName(CK_RV rv);

}  // namespace cf::p11
