// retrieve and store over a store, with every refusal named. The framework's server parses a store request's data
// as a serialized cryptstore_entry; its client's "raw" input sends the bare value with value_type "binary-blob",
// which is kept here under resource_name (exportable: it was shared through the key service to begin with).
#include "keyservice/request_handler.h"

#include <openssl/crypto.h>

#include "keyservice/entry_transfer.h"
#include "proto/cryptstore.pb.h"

namespace cf::keysvc {
namespace {

constexpr char kBinaryBlob[] = "binary-blob";

struct Answer {
  bool succeeded = false;
  std::string outcome;
  std::string data;  // the response's data: an entry, its description, or the reason for a refusal
};

Answer Refuse(const Status& status) {
  std::string reason = std::string(CodeName(status.code())) + ": " + status.message();
  return {false, "refused: " + reason, reason};
}

Answer Retrieve(const wire::key_service_message_request& request, store::Store& store) {
  auto entry = ReleasableEntry(store, request.resource_name(), request.value_type(), request.version());
  if (!entry.ok()) return Refuse(entry.status());
  Answer a{true, "released version " + std::to_string(entry->version()) + " (" + entry->type() + ")", ""};
  entry->SerializeToString(&a.data);
  OPENSSL_cleanse(entry->mutable_blob()->data(), entry->blob().size());
  return a;
}

Result<wire::cryptstore_entry> ArrivingEntry(const wire::key_service_message_request& request) {
  wire::cryptstore_entry entry;
  if (request.value_type() == kBinaryBlob) {
    entry.set_tag(request.resource_name());
    entry.set_type(kBinaryBlob);
    entry.set_blob(request.data());
    entry.set_exportable(true);
    return entry;
  }
  if (!entry.ParseFromString(request.data())) {
    return Status(Code::kInvalidArgument, "the store request's data is not a serialized cryptstore_entry");
  }
  if (!request.resource_name().empty() && request.resource_name() != entry.tag()) {
    return Status(Code::kInvalidArgument, "resource_name '" + Printable(request.resource_name()) +
                                              "' differs from the entry's tag '" + Printable(entry.tag()) + "'");
  }
  return entry;
}

Answer StoreEntry(const wire::key_service_message_request& request, store::Store& store,
                  const HandlerOptions& options) {
  auto entry = ArrivingEntry(request);
  if (!entry.ok()) return Refuse(entry.status());
  auto kept = KeepArrivingEntry(store, *entry, options.protected_tags);
  OPENSSL_cleanse(entry->mutable_blob()->data(), entry->blob().size());
  if (!kept.ok()) return Refuse(kept.status());
  Answer a{true, "stored as version " + std::to_string(kept->version) + " (" + kept->type + ")", ""};
  DescribeEntry(*kept).SerializeToString(&a.data);
  return a;
}

HandledRequest Finish(const std::string& type, const std::string& resource, Answer answer) {
  wire::key_service_message_response response;
  response.set_resource_name(resource);
  response.set_response_type("final");
  response.set_status(answer.succeeded ? "succeeded" : "failed");
  response.set_data(answer.data);
  OPENSSL_cleanse(answer.data.data(), answer.data.size());
  HandledRequest out;
  out.response.resize(response.ByteSizeLong());
  response.SerializeToArray(out.response.data(), static_cast<int>(out.response.size()));
  OPENSSL_cleanse(response.mutable_data()->data(), response.data().size());
  out.request_type = type;
  out.resource = Printable(resource);
  out.succeeded = answer.succeeded;
  out.outcome = std::move(answer.outcome);
  return out;
}

}  // namespace

std::string Printable(const std::string& text, size_t limit) {
  std::string out;
  for (char c : text) {
    if (out.size() >= limit) return out + "...";
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

HandledRequest HandleRequest(ByteView bytes, store::Store& store, const HandlerOptions& options) {
  wire::key_service_message_request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return RefuseUnread(Status(Code::kInvalidArgument, "the request is not a key_service_message_request"));
  }
  std::string type = Printable(request.request_type(), 24);
  Answer answer;
  if (request.request_type() == "retrieve") {
    answer = Retrieve(request, store);
  } else if (request.request_type() == "store") {
    answer = StoreEntry(request, store, options);
  } else {
    answer = Refuse(Status(Code::kUnimplemented, "request type '" + type + "' is not served (known: retrieve, store)"));
  }
  OPENSSL_cleanse(request.mutable_data()->data(), request.data().size());
  return Finish(type, request.resource_name(), std::move(answer));
}

HandledRequest RefuseUnread(const Status& why) { return Finish("-", "", Refuse(why)); }

}  // namespace cf::keysvc
