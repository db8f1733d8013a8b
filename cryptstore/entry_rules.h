// The framework's entry rules, written once for both backends: what a valid tag, type, version and blob are, and
// which version a put takes. Pure functions: no storage, no crypto.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "cryptstore/store.h"

namespace cf::store {

// The one UTF-8 check (cf-osutility uses it too): well-formed, no overlongs, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);
// Tag: non-empty, at most kMaxTagSize bytes, UTF-8. Type: the same rules (the framework's type strings).
Status ValidateTag(std::string_view tag);
Status ValidateType(std::string_view type);
// Everything about a NewEntry that does not depend on what is stored.
Status ValidateNewEntry(const NewEntry& entry);
// The version a put gets: requested (when > 0) or latest + 1 (1 when none). Refuses to wrap past INT32_MAX.
Result<int32_t> ChooseVersion(std::string_view tag, std::string_view type, int32_t requested,
                              std::optional<int32_t> latest);
std::string TierName(Tier tier);
// The refusal of a write to a store opened read-only (both backends).
Status ReadOnlyError(const std::string& path);
// kResourceExhausted for a blob over kMaxBlobSize (Update and Retag; puts check it in ValidateNewEntry).
Status CheckBlobSize(size_t size);

}  // namespace cf::store
