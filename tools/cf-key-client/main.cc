// cf-key-client: the framework's cf_key_client over a token's store. `retrieve` asks a key server for an entry and
// keeps it in this token's store (next version of its tag, so the token shows it); `store` sends an entry of this
// store (only what may leave the VM) or a file in the framework's formats. One line on stdout on success; the
// reason on stderr otherwise. Exit: 0 done, 1 usage, 2 refused (by the server, the handshake or the egress rule),
// 3 other failure.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/ossl_context.h"
#include "keyservice/client.h"
#include "keyservice/entry_transfer.h"
#include "keyservice/token_access.h"

namespace {

using namespace cf;

struct Request {
  std::string action = "retrieve", resource, value_type, input_file, input_format = "store";
  int32_t version = 0;
};

int Fail(const Status& s) {
  std::cerr << "cf-key-client: " << s.ToString() << "\n";
  bool refused = s.code() == Code::kPolicyDenied || s.code() == Code::kPermissionDenied;
  return refused ? 2 : 3;
}

// What `store` sends: an entry of this store (the egress rule decides), or a file: a serialized cryptstore_entry
// ("cryptstore-entry") or a bare value ("raw", kept as a binary-blob under --resource-name, exportable).
Result<wire::cryptstore_entry> EntryToSend(const Request& r, store::Store& store) {
  if (r.input_format == "store") return keysvc::ReleasableEntry(store, r.resource, r.value_type, r.version);
  auto data = ReadFile(r.input_file, 16u << 20);
  if (!data.ok()) return data.status().Annotate("--input-file");
  wire::cryptstore_entry entry;
  if (r.input_format == "raw") {
    entry.set_tag(r.resource);
    entry.set_type("binary-blob");
    entry.set_blob(data->data(), data->size());
    entry.set_exportable(true);
  } else if (!entry.ParseFromArray(data->data(), static_cast<int>(data->size()))) {
    return Status(Code::kInvalidArgument, r.input_file + " is not a serialized cryptstore_entry");
  }
  OPENSSL_cleanse(data->data(), data->size());
  return entry;
}

int Run(const Request& r, keysvc::OpenedToken& token, keysvc::Client& client) {
  store::Store& store = *token.storage.store;
  if (r.action == "store") {
    auto entry = EntryToSend(r, store);
    if (!entry.ok()) return Fail(entry.status());
    auto stored = client.Store(*entry);
    OPENSSL_cleanse(entry->mutable_blob()->data(), entry->blob().size());
    if (!stored.ok()) return Fail(stored.status());
    std::cout << "stored '" << stored->tag() << "' (" << stored->type() << ") as version " << stored->version()
              << " on the key server\n";
    return 0;
  }
  auto entry = client.Retrieve(r.resource, r.version, r.value_type);
  if (!entry.ok()) return Fail(entry.status());
  auto kept = keysvc::KeepArrivingEntry(store, *entry, token.tags.Protected());
  OPENSSL_cleanse(entry->mutable_blob()->data(), entry->blob().size());
  if (!kept.ok()) return Fail(kept.status().Annotate("keeping the retrieved entry"));
  std::cout << "retrieved '" << kept->tag << "' (" << kept->type << ") version " << entry->version()
            << ", kept as version " << kept->version << (kept->exportable ? ", exportable" : "") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cf-key-client: retrieve entries from, or store entries on, a key server of this policy domain"};
  keysvc::TokenAccess access;
  keysvc::ClientOptions options;
  Request r;
  std::string pin_file, host = "localhost";
  int port = keysvc::kDefaultPort, deadline_ms = 10000;
  app.add_option("--token-dir", access.token_dir, "token directory (default: $CF_PKCS11_TOKEN_DIR, ...)");
  app.add_option("--backend", access.backend, "store backend: sqlite or cf-file");
  app.add_option("--pin-file", pin_file, "user PIN (first line), to read PIN-tier entries and auth key");
  app.add_option("--policy-cert-file", access.policy_cert_file, "policy certificate (default: the store's)");
  app.add_option("--framework-domain", access.framework_domain,
                 "credentials under the framework's names <domain>-admission-certificate, <domain>-private-auth-key");
  app.add_option("--key-server-url,--key_server_url", host, "key server host");
  app.add_option("--key-server-port,--key_server_port", port, "key server port")->check(CLI::Range(1, 65535));
  app.add_option("--action", r.action, "retrieve or store")->check(CLI::IsMember({"retrieve", "store"}));
  app.add_option("--resource-name,--resource_name", r.resource, "the entry's tag")->required();
  app.add_option("--key-version,--key_version", r.version, "version (0: latest)")->check(CLI::Range(0, 1 << 30));
  app.add_option("--value-type", r.value_type, "the entry's type, when its tag has several");
  app.add_option("--input-format,--input_format", r.input_format,
                 "store: what is sent: store (this token's entry), cryptstore-entry or raw (--input-file)")
      ->check(CLI::IsMember({"store", "cryptstore-entry", "raw"}));
  app.add_option("--input-file,--input_file", r.input_file, "store: the file for cryptstore-entry or raw");
  app.add_option("--deadline-ms", deadline_ms, "connect, handshake, request and answer")->check(CLI::Range(10, 600000));
  CLI11_PARSE(app, argc, argv);
  if (r.input_format != "store" && r.input_file.empty()) {
    std::cerr << "cf-key-client: --input-format " << r.input_format << " needs --input-file\n";
    return 1;
  }

  log::UseStderr(true);
  signal(SIGPIPE, SIG_IGN);
  if (ossl::LibCtx() == nullptr) return Fail(Status(Code::kInternal, "OpenSSL's library context does not open"));
  if (!pin_file.empty()) {
    auto pin = keysvc::ReadPinFile(pin_file);
    if (!pin.ok()) return Fail(pin.status());
    access.user_pin = std::move(*pin);
  }
  auto token = keysvc::OpenToken(access, keysvc::Side::kClient);
  if (!token.ok()) return Fail(token.status());
  options.server = {host, static_cast<uint16_t>(port)};
  options.deadline = std::chrono::milliseconds(deadline_ms);
  keysvc::Client client(token->tls.get(), options);
  return Run(r, *token, client);
}
