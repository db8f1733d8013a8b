// The Certifier Framework's own encrypted cryptstore file, opened in place (cf-osutility's framework mode): the
// entries as the framework keeps them (a serialized cryptstore, tag/type/version/time/blob/exportable), sealed the
// framework's way by the Sealer handed in. Versions follow the framework's documented rules (get 0 = latest, put 0 =
// latest + 1 per tag), not its code's (which reads the oldest and always writes 1). Two entries with one tag and
// version (the framework's put_item can write them) are kept, both, and named in a warning.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cryptstore/sealer.h"
#include "cryptstore/store.h"
#include "proto/cryptstore.pb.h"

namespace cf::osutil {

class FrameworkCryptstore {
 public:
  // An existing file is read (its file key's algorithm is kept for the rewrite unless `key_type` overrides it); a
  // missing one is kNotFound unless `create` (then it starts empty, sealed with `default_key_type` on Save).
  static Result<FrameworkCryptstore> Open(const std::string& path, std::shared_ptr<store::Sealer> sealer, bool create,
                                          const std::string& default_key_type, const std::string& key_type);

  // type empty = any; version 0 = the latest of the tag. kNotFound names tag and version.
  Result<store::Entry> Get(const std::string& tag, const std::string& type, int32_t version) const;
  std::vector<store::Entry> List() const;
  // Latest version of `tag` (any type), 0 when it has none.
  int32_t LatestVersion(const std::string& tag) const;
  // Appends an entry: version 0 = latest + 1 (1 for a new tag); a given version must not exist yet
  // (kVersionConflict). Returns the version used. Not written until Save.
  Result<int32_t> Add(const std::string& tag, const std::string& type, int32_t version, ByteView blob, bool exportable);
  // Writes the whole file (a fresh file key, sealed), atomically.
  Status Save();

  // "tag 'x' version 1 (2 entries)" for every tag/version held more than once.
  std::vector<std::string> Duplicates() const;
  const wire::cryptstore& content() const { return content_; }
  const std::string& path() const { return path_; }

 private:
  FrameworkCryptstore(std::string path, std::shared_ptr<store::Sealer> sealer, std::string key_type)
      : path_(std::move(path)), sealer_(std::move(sealer)), key_type_(std::move(key_type)) {}

  std::string path_;
  std::shared_ptr<store::Sealer> sealer_;
  std::string key_type_;
  wire::cryptstore content_;
};

// The framework's entry as our store's Entry (so item_view.h formats and describes it). Origin kTool, platform tier.
store::Entry ToStoreEntry(const wire::cryptstore_entry& entry);

}  // namespace cf::osutil
