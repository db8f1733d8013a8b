// Moving entries between stores (and backends) as the framework's plaintext cryptstore message, so cf-osutility
// can export, import, and convert sqlite <-> cf-file. The plaintext is a secret: callers must protect it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "cryptstore/store.h"
#include "proto/cryptstore.pb.h"

namespace cf::store {

// Judges whether an entry may leave in clear: OK, or an error whose message says why not. The store does not know
// the rule; the caller hands it in (entries/egress_rule.h), so no export path can forget it.
using MayLeave = std::function<Status(const Entry&)>;

struct ExportResult {
  wire::cryptstore entries;
  std::vector<std::string> withheld;  // one reason per entry that may not leave
};

// Every platform-tier entry that may_leave allows, plus user-tier entries when include_user_tier (needs the user
// key open: kFailedPrecondition otherwise), in id order, versions kept.
Result<ExportResult> ExportPlaintext(Store& store, bool include_user_tier, const MayLeave& may_leave);

enum class OnDuplicate { kSkip, kRefuse };

struct ImportResult {
  size_t imported = 0;
  size_t skipped = 0;  // same tag/type/version already present (OnDuplicate::kSkip)
};

// Puts every entry into `store` under `tier` in one write (all or none), keeping its version (0: latest + 1) and
// time. A tag/type/version already stored is skipped (kSkip) or refuses the whole import with kVersionConflict
// naming it (kRefuse); bad entries (empty tag, negative version) are kInvalidArgument naming their index.
Result<ImportResult> ImportPlaintext(Store& store, const wire::cryptstore& entries, Tier tier,
                                     OnDuplicate on_duplicate = OnDuplicate::kRefuse);

}  // namespace cf::store
