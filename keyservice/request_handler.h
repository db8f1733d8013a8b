// The key service's answer to one request, as bytes in and bytes out: the framework's key_service_message_request
// ("retrieve": release an exportable entry; "store": keep an entry as its next version) and
// key_service_message_response ("final", "succeeded" / "failed"). Any input gets an answer and an outcome line;
// nothing here touches a socket. A failed answer carries the reason as text in `data` (the framework's clients
// ignore `data` when the status is "failed"); the reason never holds a secret.
#pragma once

#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "cryptstore/store.h"

namespace cf::keysvc {

struct HandledRequest {
  SecureBytes response;      // the serialized key_service_message_response (may hold an entry's blob)
  std::string request_type;  // as sent (printable, bounded), or "-" when the request did not parse
  std::string resource;      // as sent (printable, bounded)
  bool succeeded = false;
  std::string outcome;  // "released version 3", "refused: ... is not exportable ..."
};

struct HandlerOptions {
  std::vector<std::string> protected_tags;  // the server's certification entries: never written by a peer
};

HandledRequest HandleRequest(ByteView request, store::Store& store, const HandlerOptions& options);
// The answer to a request that was not read (its frame announced more than the limit): "failed", with `why`.
HandledRequest RefuseUnread(const Status& why);

// Text from a peer made safe for a log line: printable ASCII only, at most `limit` characters.
std::string Printable(const std::string& text, size_t limit = 80);

}  // namespace cf::keysvc
