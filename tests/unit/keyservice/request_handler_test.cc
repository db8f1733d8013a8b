// HandleRequest on a real store: every request gets an answer, a refusal says why, nothing is written by a refused
// request, and only what the egress rule lets leave the VM is released.
#include "keyservice/request_handler.h"

#include "entries/entry_types.h"
#include "proto/cryptstore.pb.h"
#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using RequestHandlerTest = StoreTest;

struct Reply {
  keysvc::HandledRequest handled;
  wire::key_service_message_response response;
};

Reply Send(Store& store, const std::string& bytes) {
  Reply r;
  keysvc::HandlerOptions options;
  options.protected_tags = {entries::kAuthKeyTag, entries::kAdmissionCertTag, entries::kPolicyCertTag};
  r.handled = keysvc::HandleRequest(AsBytes(bytes), store, options);
  EXPECT_TRUE(r.response.ParseFromArray(r.handled.response.data(), static_cast<int>(r.handled.response.size())));
  EXPECT_EQ(r.response.response_type(), "final");
  EXPECT_EQ(r.response.status(), r.handled.succeeded ? "succeeded" : "failed");
  return r;
}

std::string Request(const std::string& type, const std::string& resource, const std::string& data = "",
                    const std::string& value_type = "") {
  wire::key_service_message_request request;
  request.set_request_type(type);
  request.set_resource_name(resource);
  if (!data.empty()) request.set_data(data);
  if (!value_type.empty()) request.set_value_type(value_type);
  return request.SerializeAsString();
}

std::string EntryBytes(const std::string& tag, const std::string& type, const std::string& blob, bool exportable) {
  wire::cryptstore_entry entry;
  entry.set_tag(tag);
  entry.set_type(type);
  entry.set_blob(blob);
  entry.set_exportable(exportable);
  entry.set_version(7);  // a peer's version is not kept: the store picks the next one
  return entry.SerializeAsString();
}

void Put(Store& s, const std::string& tag, const std::string& blob, bool exportable) {
  NewEntry e = MakeEntry(tag, blob);
  e.exportable = exportable;
  ASSERT_TRUE(s.Put(e).ok());
}

TEST_P(RequestHandlerTest, ReleasesAnExportableEntryAsACryptstoreEntry) {
  auto s = OpenOrDie();
  Put(*s, "shared", "v1", true);
  Put(*s, "shared", "v2", true);
  Reply r = Send(*s, Request("retrieve", "shared"));
  ASSERT_TRUE(r.handled.succeeded) << r.handled.outcome;
  wire::cryptstore_entry entry;
  ASSERT_TRUE(entry.ParseFromString(r.response.data()));
  EXPECT_EQ(entry.tag(), "shared");
  EXPECT_EQ(entry.blob(), "v2");
  EXPECT_EQ(entry.version(), 2);
  EXPECT_TRUE(entry.exportable());
  EXPECT_EQ(r.response.resource_name(), "shared");
  EXPECT_EQ(r.handled.outcome, "released version 2 (binary-blob)");
}

TEST_P(RequestHandlerTest, RefusesANonExportableEntryAndSaysWhy) {
  auto s = OpenOrDie();
  Put(*s, "local", "secret", false);
  Reply r = Send(*s, Request("retrieve", "local"));
  EXPECT_FALSE(r.handled.succeeded);
  EXPECT_NE(r.response.data().find("not exportable"), std::string::npos) << r.response.data();
  EXPECT_EQ(r.response.data().find("secret"), std::string::npos) << "the value must not appear in the reason";
}

TEST_P(RequestHandlerTest, RefusesAMissingEntry) {
  auto s = OpenOrDie();
  Reply r = Send(*s, Request("retrieve", "nothing"));
  EXPECT_FALSE(r.handled.succeeded);
  EXPECT_NE(r.response.data().find("NOT_FOUND"), std::string::npos) << r.response.data();
}

TEST_P(RequestHandlerTest, AnswersGarbageWithAReason) {
  auto s = OpenOrDie();
  for (const std::string& garbage : {std::string("\xff\xff\xff\xff\x0f", 5), std::string("\x0a\x05\x61", 3)}) {
    Reply r = Send(*s, garbage);
    EXPECT_FALSE(r.handled.succeeded);
    EXPECT_NE(r.response.data().find("not a key_service_message_request"), std::string::npos) << r.response.data();
  }
  Reply unknown = Send(*s, Request("signed-nonce", "x"));
  EXPECT_FALSE(unknown.handled.succeeded);
  EXPECT_NE(unknown.response.data().find("'signed-nonce' is not served"), std::string::npos);
}

TEST_P(RequestHandlerTest, StoresAnEntryAsItsNextVersionWithItsExportableFlag) {
  auto s = OpenOrDie();
  Put(*s, "config", "old", true);
  Reply r = Send(*s, Request("store", "config", EntryBytes("config", "binary-blob", "new", false)));
  ASSERT_TRUE(r.handled.succeeded) << r.handled.outcome;
  auto kept = s->Get("config", "binary-blob", 0);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(BlobText(*kept), "new");
  EXPECT_EQ(kept->info.version, 2);
  EXPECT_FALSE(kept->info.exportable);
  EXPECT_EQ(kept->info.origin, Origin::kTool);
  wire::cryptstore_entry described;
  ASSERT_TRUE(described.ParseFromString(r.response.data()));
  EXPECT_EQ(described.version(), 2);
  EXPECT_TRUE(described.blob().empty()) << "a store answer describes the entry, it does not echo the value";
}

TEST_P(RequestHandlerTest, StoresTheFrameworksRawValueUnderTheResourceName) {
  auto s = OpenOrDie();
  Reply r = Send(*s, Request("store", "raw-item", "bare value", "binary-blob"));
  ASSERT_TRUE(r.handled.succeeded) << r.handled.outcome;
  auto kept = s->Get("raw-item", "binary-blob", 0);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(BlobText(*kept), "bare value");
}

TEST_P(RequestHandlerTest, NeverWritesCertificationEntriesForgedObjectsOrGarbage) {
  auto s = OpenOrDie();
  const std::string refused[] = {
      Request("store", entries::kAdmissionCertTag, EntryBytes(entries::kAdmissionCertTag, "X509-der-cert", "x", 1)),
      Request("store", entries::kEvidenceTag, EntryBytes(entries::kEvidenceTag, "t", "x", true)),
      Request("store", "obj", EntryBytes("obj", entries::kTypePrivateKey, "x", true)),
      Request("store", "a", EntryBytes("b", "binary-blob", "x", true)),  // resource and tag differ
      Request("store", "x", "\xff\xff not an entry"),
      Request("store", "", EntryBytes("", "binary-blob", "x", true)),
  };
  for (const std::string& request : refused) {
    Reply r = Send(*s, request);
    EXPECT_FALSE(r.handled.succeeded) << r.handled.outcome;
    EXPECT_FALSE(r.response.data().empty());
  }
  auto listed = s->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty()) << "a refused store request wrote " << listed->size() << " entries";
}

TEST_P(RequestHandlerTest, AnOversizedRequestIsAnsweredUnread) {
  keysvc::HandledRequest h = keysvc::RefuseUnread(Status(Code::kResourceExhausted, "frame announces 9999 bytes"));
  wire::key_service_message_response response;
  ASSERT_TRUE(response.ParseFromArray(h.response.data(), static_cast<int>(h.response.size())));
  EXPECT_EQ(response.status(), "failed");
  EXPECT_NE(response.data().find("RESOURCE_EXHAUSTED: frame announces 9999 bytes"), std::string::npos);
}

TEST(Printable, KeepsLogLinesPrintableAndShort) {
  EXPECT_EQ(keysvc::Printable(std::string("a\nb\x01", 4)), "a?b?");
  EXPECT_EQ(keysvc::Printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

INSTANTIATE_TEST_SUITE_P(Backends, RequestHandlerTest, ::testing::Values(Backend::kSqlite, Backend::kCfFile),
                         BackendName);

}  // namespace
}  // namespace cf::store::testing
