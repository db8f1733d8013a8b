// One connection per request, as the framework's client does. In TLS 1.3 the client's handshake completes before
// the server has judged the client's certificate, so a refusal of ours arrives as an alert on the first read: it
// is reported as such.
#include "keyservice/client.h"

#include <openssl/crypto.h>

#include "keyservice/tls_channel.h"

namespace cf::keysvc {
namespace {

std::string Where(const ClientOptions& o) { return o.server.host + ":" + std::to_string(o.server.port); }

// An alert after our request means the server refused our admission certificate; say so in those words.
Status ExplainReadFailure(const Status& failure, const std::string& where) {
  const std::string& m = failure.message();
  for (const char* alert : {"unknown ca", "certificate expired", "bad certificate", "certificate required",
                            "unsupported certificate", "certificate unknown", "decrypt error"}) {
    if (m.find(alert) != std::string::npos) {
      return Status(Code::kPermissionDenied, "the key server at " + where +
                                                 " refused this token's admission certificate (TLS alert '" + alert +
                                                 "'): is this token certified under the server's policy domain?");
    }
  }
  return failure.Annotate("reading the key server's answer from " + where);
}

}  // namespace

Result<wire::key_service_message_response> Client::Exchange(const wire::key_service_message_request& request) {
  auto deadline = Clock::now() + options_.deadline;
  std::string where = Where(options_);
  CF_ASSIGN_OR_RETURN(attest::Socket socket, attest::ConnectTcp(options_.server.host, options_.server.port, deadline));
  auto channel = TlsChannel::Connect(tls_, std::move(socket), deadline);
  if (!channel.ok()) return channel.status().Annotate("the key server at " + where);
  std::string bytes = request.SerializeAsString();
  Status sent = channel->WriteFrame(AsBytes(bytes), deadline);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  // A refusal of our certificate may cut the write short: the alert that says why is still there to be read.
  auto answer = channel->ReadFrame(options_.max_response_bytes, deadline);
  if (!sent.ok() && answer.ok()) return sent.Annotate("sending the request to " + where);
  if (!answer.ok()) return ExplainReadFailure(answer.status(), where);
  channel->Shutdown(deadline);
  wire::key_service_message_response response;
  bool parsed = response.ParseFromArray(answer->data(), static_cast<int>(answer->size()));
  OPENSSL_cleanse(answer->data(), answer->size());
  if (!parsed) return Status(Code::kCorrupt, where + " answered with no key_service_message_response");
  if (response.status() != "succeeded") {
    return Status(Code::kPolicyDenied, "the key server at " + where + " refused '" + request.resource_name() +
                                           "': " + (response.data().empty() ? response.status() : response.data()));
  }
  return response;
}

Result<wire::cryptstore_entry> Client::Retrieve(const std::string& resource, int32_t version,
                                                const std::string& value_type) {
  wire::key_service_message_request request;
  request.set_request_type("retrieve");
  request.set_resource_name(resource);
  request.set_version(version);
  if (!value_type.empty()) request.set_value_type(value_type);
  CF_ASSIGN_OR_RETURN(wire::key_service_message_response response, Exchange(request));
  wire::cryptstore_entry entry;
  bool parsed = entry.ParseFromString(response.data());
  OPENSSL_cleanse(response.mutable_data()->data(), response.data().size());
  if (!parsed || entry.tag() != resource) {
    return Status(Code::kCorrupt, "the key server's answer for '" + resource + "' holds no cryptstore_entry of it");
  }
  return entry;
}

Result<wire::cryptstore_entry> Client::Store(const wire::cryptstore_entry& entry) {
  wire::key_service_message_request request;
  request.set_request_type("store");
  request.set_resource_name(entry.tag());
  // No value_type: the framework's server reads "binary-blob" as a bare value, anything else as this message.
  entry.SerializeToString(request.mutable_data());
  auto response = Exchange(request);
  OPENSSL_cleanse(request.mutable_data()->data(), request.data().size());
  if (!response.ok()) return response.status();
  wire::cryptstore_entry stored;
  if (!stored.ParseFromString(response->data())) {
    return Status(Code::kCorrupt, "the key server's answer to storing '" + entry.tag() + "' does not describe it");
  }
  return stored;
}

}  // namespace cf::keysvc
