// Fuzz target: what an attested peer sends the key service — a serialized key_service_message_request — through
// HandleRequest on a real store (cf-file backend, fixed-key sealer) holding an exportable entry, a non-exportable
// one and the token's auth key. Beyond "no crash", it checks the service's promises on every input: the answer
// always parses as a final response, the bytes of an entry that must not leave the VM never appear in it, and no
// request replaces a certification entry.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "cryptstore/store.h"
#include "entries/entry_types.h"
#include "fixed_key_sealer.h"
#include "fuzz_scratch.h"
#include "keyservice/request_handler.h"
#include "proto/cryptstore.pb.h"
#include "quiet_protobuf.h"

namespace {

// Markers a response must never contain: the blobs of the non-exportable entry and of the protected one.
constexpr char kNonExportable[] = "NON-EXPORTABLE-SECRET-5f1c";
constexpr char kProtected[] = "PROTECTED-AUTH-KEY-9d27";
// Successful stores add versions; past this many the store is made afresh, so a long run stays fast.
constexpr int kStoresBeforeReset = 256;

void PutOrTrap(cf::store::Store& store, const std::string& tag, const std::string& blob, bool exportable) {
  cf::store::NewEntry e;
  e.tag = tag;
  e.type = "binary-blob";
  e.blob = cf::SecureBytes(blob.begin(), blob.end());
  e.exportable = exportable;
  if (!store.Put(e).ok()) __builtin_trap();  // a broken set-up must not pass as "no crash found"
}

std::unique_ptr<cf::store::Store> FreshStore() {
  static auto sealer = std::make_shared<cf::fuzz::FixedKeySealer>();
  const std::string path = cf::fuzz::ScratchDir() + "/keyservice-store";
  for (const char* suffix : {"", ".lock"}) std::filesystem::remove(path + suffix);
  cf::store::StoreOptions options;
  options.backend = cf::store::Backend::kCfFile;
  options.path = path;
  options.sealer = sealer;
  options.pin_kdf_iterations = 1;
  auto store = cf::store::Store::Open(options);
  if (!store.ok()) __builtin_trap();
  PutOrTrap(**store, "shared", "released-value", true);
  PutOrTrap(**store, "local", kNonExportable, false);
  PutOrTrap(**store, cf::entries::kAuthKeyTag, kProtected, false);
  return std::move(store).value();
}

bool Contains(cf::ByteView haystack, const char* needle) {
  const size_t n = std::strlen(needle);
  if (haystack.size() < n) return false;
  for (size_t i = 0; i + n <= haystack.size(); ++i) {
    if (std::memcmp(haystack.data() + i, needle, n) == 0) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<cf::store::Store> store = FreshStore();
  static int stores = 0;
  cf::keysvc::HandlerOptions options;
  options.protected_tags = {cf::entries::kAuthKeyTag, cf::entries::kAdmissionCertTag, cf::entries::kPolicyCertTag};
  cf::keysvc::HandledRequest handled = cf::keysvc::HandleRequest(cf::ByteView(data, size), *store, options);
  cf::wire::key_service_message_response response;
  if (!response.ParseFromArray(handled.response.data(), static_cast<int>(handled.response.size())) ||
      response.response_type() != "final") {
    __builtin_trap();
  }
  // A marker the request itself carries may come back (a resource name is echoed): only one it lacked is a leak.
  const cf::ByteView request(data, size), answer(handled.response.data(), handled.response.size());
  for (const char* secret : {kNonExportable, kProtected}) {
    if (Contains(answer, secret) && !Contains(request, secret)) __builtin_trap();
  }
  if (handled.succeeded && handled.request_type == "store") {
    auto auth = store->Get(cf::entries::kAuthKeyTag, "binary-blob", 0);
    if (!auth.ok() || std::string(auth->blob.begin(), auth->blob.end()) != kProtected) __builtin_trap();
  }
  if (handled.succeeded && handled.request_type == "store" && ++stores >= kStoresBeforeReset) {
    store.reset();
    store = FreshStore();
    stores = 0;
  }
  return 0;
}
