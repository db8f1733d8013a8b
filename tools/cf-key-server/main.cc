// cf-key-server: the framework's cf_key_server over a token's store. Opens the certified token, serves retrieve
// and store to peers of its policy domain on TLS, logs one line per request on stderr (or --log-file), stops
// cleanly on SIGTERM/SIGINT. The work is keyservice/; this file is flags and the signal wait.
#include <CLI/CLI.hpp>

#include "common/daemon.h"
#include "common/log.h"
#include "common/ossl_context.h"
#include "keyservice/server.h"
#include "keyservice/token_access.h"

namespace {

using namespace cf;

int Fail(const Status& s) {
  log::Error("cf-key-server: " + s.ToString());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cf-key-server: releases exportable cryptstore entries to attested peers of one policy domain"};
  keysvc::TokenAccess access;
  keysvc::ServerOptions options;
  std::string pin_file, log_file, log_level = "info";
  int port = keysvc::kDefaultPort;
  app.add_option("--token-dir", access.token_dir, "token directory (default: $CF_PKCS11_TOKEN_DIR, ...)");
  app.add_option("--backend", access.backend, "store backend: sqlite or cf-file");
  app.add_option("--pin-file", pin_file, "user PIN (first line), to read PIN-tier entries and auth key");
  app.add_option("--policy-cert-file", access.policy_cert_file, "policy certificate (default: the store's)");
  app.add_option("--framework-domain", access.framework_domain,
                 "credentials under the framework's names <domain>-admission-certificate, <domain>-private-auth-key");
  app.add_option("--host", options.host, "address to listen on");
  app.add_option("--port", port, "TCP port (0: any free port, logged)")->check(CLI::Range(0, 65535));
  app.add_option("--workers", options.workers, "connections served at once")->check(CLI::Range(1, 256));
  app.add_option("--max-queued", options.max_queued, "accepted connections waiting for a worker")
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-request-bytes", options.max_request_bytes, "largest request read")
      ->check(CLI::Range(64, (1 << 24) - 1));
  app.add_option("--deadline-ms", options.deadline_ms, "per connection: handshake, request and answer")
      ->check(CLI::Range(10, 600000));
  app.add_option("--log-file", log_file, "append log lines here (default stderr)");
  app.add_option("--log-level", log_level, "error, warning, info, debug");
  CLI11_PARSE(app, argc, argv);

  if (Status logging = daemon::StartLog("cf-key-server", log_level, log_file); !logging.ok()) return Fail(logging);
  const sigset_t stop = daemon::BlockStopSignals();
  if (ossl::LibCtx() == nullptr) return Fail(Status(Code::kInternal, "OpenSSL's library context does not open"));

  if (!pin_file.empty()) {
    auto pin = keysvc::ReadPinFile(pin_file);
    if (!pin.ok()) return Fail(pin.status());
    access.user_pin = std::move(*pin);
  }
  auto token = keysvc::OpenToken(access, keysvc::Side::kServer);
  if (!token.ok()) return Fail(token.status());
  options.port = static_cast<uint16_t>(port);
  options.handler.protected_tags = token->tags.Protected();
  auto server = keysvc::Server::Create(token->storage.store.get(), std::move(token->tls), options);
  if (!server.ok()) return Fail(server.status());
  (*server)->Start();
  log::Warning("cf-key-server: listening on " + options.host + ":" + std::to_string((*server)->port()) + " with " +
               std::to_string(options.workers) + " workers as " + token->credentials.subject);
  const std::string sig = daemon::WaitForStopSignal(stop);
  (*server)->Stop();
  log::Warning(std::string("cf-key-server: stopped on ") + sig + " after " + std::to_string((*server)->succeeded()) +
               " succeeded, " + std::to_string((*server)->failed()) + " failed, " +
               std::to_string((*server)->refused()) + " refused connections");
  return 0;
}
