// Module configuration: where it comes from (CK_C_INITIALIZE_ARGS.pReserved, $CF_PKCS11_CONF,
// /etc/cf-pkcs11/cf-pkcs11.conf, else one default token) and how a TokenConfig becomes a TokenLocation.
// Parsing only; opening tokens is the Module's job.
#pragma once

#include <string>

#include "common/status.h"
#include "proto/cf_pkcs11.pb.h"
#include "tokendir/token_storage.h"

namespace cf::p11 {

inline constexpr char kSystemConfigPath[] = "/etc/cf-pkcs11/cf-pkcs11.conf";
// A configuration names a few tokens: anything larger is a wrong path, not a configuration.
inline constexpr size_t kMaxConfigSize = 1u << 20;

struct LoadedConfig {
  cf_pkcs11::Config config;
  std::string source;  // "pReserved", a file path, or "default"
};

// reserved: CK_C_INITIALIZE_ARGS.pReserved as a C string (p11-kit's x-init-reserved), or null. It is either a
// path to a configuration file or the configuration text itself. A bad configuration is kInvalidArgument naming
// the source and the parse error; a path that is not a regular file, or a file over kMaxConfigSize, is refused.
Result<LoadedConfig> LoadConfig(const char* reserved);
Result<cf_pkcs11::Config> ParseConfigText(const std::string& text, const std::string& source);
tokendir::TokenLocation LocationFor(const cf_pkcs11::TokenConfig& token);

}  // namespace cf::p11
