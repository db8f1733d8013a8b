// Fuzz target: a token's store file as an attacker with write access to the token directory leaves it, opened by
// the backend CF_FUZZ_BACKEND_SQLITE selects (sqlite) or not (cf-file), then every read the module makes at start:
// list, each entry, versions, the PIN states and metadata. Any outcome but a crash, a leak or undefined behaviour
// is fine: the store may refuse the file.
#include <cstdint>
#include <memory>

#include "cryptstore/store.h"
#include "fixed_key_sealer.h"
#include "fuzz_scratch.h"
#include "quiet_protobuf.h"

namespace {

#ifdef CF_FUZZ_BACKEND_SQLITE
constexpr cf::store::Backend kBackend = cf::store::Backend::kSqlite;
#else
constexpr cf::store::Backend kBackend = cf::store::Backend::kCfFile;
#endif

void ReadEverything(cf::store::Store& store) {
  auto list = store.List();
  if (!list.ok()) return;
  std::vector<uint64_t> ids;
  for (const cf::store::EntryInfo& info : *list) {
    (void)store.GetById(info.id);
    (void)store.Versions(info.tag, info.type);
    ids.push_back(info.id);
  }
  (void)store.GetMany(ids);
  (void)store.GetPinState(cf::store::Role::kUser);
  (void)store.GetPinState(cf::store::Role::kSecurityOfficer);
  (void)store.GetMeta("label");
  (void)store.ChangeCounter();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto sealer = std::make_shared<cf::fuzz::FixedKeySealer>();
  cf::store::StoreOptions options;
  options.backend = kBackend;
  options.path = cf::fuzz::WriteScratchFile("cryptstore", data, size);
  options.sealer = sealer;
  options.create_if_missing = false;
  options.pin_kdf_iterations = 1;
  auto store = cf::store::Store::Open(options);
  if (store.ok()) ReadEverything(**store);
  return 0;
}
