// Bytes in and out of cf-osutility (files, stdin, stdout) and the checks on what it stores. Shared by our command
// line (commands.cc) and the framework's (framework_commands.cc).
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf::osutil {

// '-' or empty: stdout; else the file, atomically, 0600.
Status WriteOutput(const std::string& path, ByteView data);
// The whole input ('-' = stdin), capped just above the store's blob limit so an oversize input is reported.
Result<SecureBytes> ReadInput(const std::string& path);
Status CheckBlobSize(size_t size, const std::string& source);
// The payload checks the framework's readers rely on: key entries parse as key_message, certificates as DER.
Status CheckPayload(const std::string& type, ByteView blob, const std::string& source);
// The PKCS#11 module's object types are the module's alone (SECURITY.md: forged objects).
Status RefuseTokenType(const std::string& type, const std::string& command);

}  // namespace cf::osutil
