// What an entry looks like from outside the store: the bytes --get-item may write in each format (the framework's
// entries, never the PKCS#11 module's objects) and the one-line description --print-cryptstore shows (never secret
// bytes).
#pragma once

#include <string>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "cryptstore/store.h"
#include "tools/cf-osutility/formats.h"

namespace cf::osutil {

// The bytes of `entry` in `format`, before any text encoding. kPermissionDenied for an object the PKCS#11 module
// owns; kInvalidArgument when the format does not fit the entry's type.
Result<SecureBytes> ItemBytes(const store::Entry& entry, Format format);

// "key rsa-2048-private 'name'", "certificate subject=...", "blob 12 bytes sha256 ab..".
std::string DescribeEntry(const store::Entry& entry);

}  // namespace cf::osutil
