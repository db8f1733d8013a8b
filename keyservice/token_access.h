// Opening a token directory's store for the key-service tools, and everything the tools read from it before they
// talk: the credentials and their TLS context. The tools stay thin; the rules live here and below.
#pragma once

#include <optional>
#include <string>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "keyservice/credentials.h"
#include "keyservice/tls_context.h"
#include "tokendir/token_storage.h"

namespace cf::keysvc {

struct TokenAccess {
  std::string token_dir;                 // empty: tokendir::DefaultTokenDirectory()
  std::string backend = "sqlite";        // or cf-file
  std::optional<SecureString> user_pin;  // to read PIN-tier entries (an auth key certified by C_Login)
  std::string framework_domain;          // non-empty: the framework's <domain>-... credential tags
  std::string policy_cert_file;          // empty: the store's policy certificate
};

struct OpenedToken {
  tokendir::TokenStorage storage;
  Credentials credentials;
  CredentialTags tags;
  SslCtx tls;
};

// Opens an existing token (never creates one), logs in when a PIN is given, loads and checks the credentials and
// makes the TLS context for `side`. Each failure names the directory and what to run.
Result<OpenedToken> OpenToken(const TokenAccess& access, Side side);

// Reads a PIN file's first line (no newline), for --pin-file.
Result<SecureString> ReadPinFile(const std::string& path);

}  // namespace cf::keysvc
