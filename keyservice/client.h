// The key service's client side: connect, TLS with this token's credentials, one request, one answer. Retrieve
// returns the released entry (the caller keeps it: KeepArrivingEntry); Store sends an entry this store may release.
// Every refusal comes back as a Status whose message is the server's reason or the handshake's.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "entries/certification.h"
#include "keyservice/tls_context.h"
#include "proto/cryptstore.pb.h"

namespace cf::keysvc {

struct ClientOptions {
  entries::HostPort server;
  std::chrono::milliseconds deadline{10000};  // connect, handshake, request and answer together
  size_t max_response_bytes = 16u << 20;
};

class Client {
 public:
  Client(SSL_CTX* tls, ClientOptions options) : tls_(tls), options_(std::move(options)) {}

  // The entry `resource` (version 0: latest; value_type empty: any type). kPolicyDenied with the server's reason
  // when it answers "failed"; kPermissionDenied when the handshake refuses either side.
  Result<wire::cryptstore_entry> Retrieve(const std::string& resource, int32_t version, const std::string& value_type);
  // Sends `entry` to be kept as the next version of its tag; returns what the server stored (no blob).
  Result<wire::cryptstore_entry> Store(const wire::cryptstore_entry& entry);

 private:
  Result<wire::key_service_message_response> Exchange(const wire::key_service_message_request& request);

  SSL_CTX* tls_;
  ClientOptions options_;
};

}  // namespace cf::keysvc
