// Entry validation and the version rule (the framework's documented one: put 0 = latest + 1, get 0 = latest).
#include "cryptstore/entry_rules.h"

#include <limits>
#include <string>

namespace cf::store {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else
      return false;
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

namespace {

Status ValidateName(std::string_view what, std::string_view value) {
  if (value.empty()) return Status(Code::kInvalidArgument, std::string(what) + " is empty; give a non-empty name");
  if (value.size() > kMaxTagSize)
    return Status(Code::kInvalidArgument, std::string(what) + " is " + std::to_string(value.size()) +
                                              " bytes, more than the limit " + std::to_string(kMaxTagSize));
  if (!IsValidUtf8(value))
    return Status(Code::kInvalidArgument, std::string(what) + " is not valid UTF-8; use a UTF-8 string");
  return Status::Ok();
}

}  // namespace

Status ValidateTag(std::string_view tag) { return ValidateName("tag", tag); }
Status ValidateType(std::string_view type) { return ValidateName("type", type); }

Status ValidateNewEntry(const NewEntry& entry) {
  CF_RETURN_IF_ERROR(ValidateTag(entry.tag));
  CF_RETURN_IF_ERROR(ValidateType(entry.type));
  if (entry.version < 0)
    return Status(Code::kInvalidArgument, "version " + std::to_string(entry.version) + " of tag '" + entry.tag +
                                              "' is negative; versions are positive (0 means latest + 1)");
  if (entry.blob.size() > kMaxBlobSize)
    return Status(Code::kResourceExhausted, "blob of tag '" + entry.tag + "' is " + std::to_string(entry.blob.size()) +
                                                " bytes, more than the limit " + std::to_string(kMaxBlobSize));
  if (entry.tier != Tier::kPlatform && entry.tier != Tier::kUser)
    return Status(Code::kInvalidArgument, "unknown tier " + std::to_string(static_cast<int>(entry.tier)));
  return Status::Ok();
}

Result<int32_t> ChooseVersion(std::string_view tag, std::string_view type, int32_t requested,
                              std::optional<int32_t> latest) {
  if (requested > 0) return requested;
  if (!latest.has_value()) return 1;
  if (*latest == std::numeric_limits<int32_t>::max())
    return Status(Code::kVersionConflict, "tag '" + std::string(tag) + "' type '" + std::string(type) +
                                              "' is already at version " + std::to_string(*latest) +
                                              ", the largest; no next version exists (use a new tag)");
  return *latest + 1;
}

std::string TierName(Tier tier) { return tier == Tier::kUser ? "user" : "platform"; }

Status ReadOnlyError(const std::string& path) {
  return Status(Code::kPermissionDenied, "store '" + path + "' was opened read-only; open it writable to change it");
}

Status CheckBlobSize(size_t size) {
  if (size <= kMaxBlobSize) return Status::Ok();
  return Status(Code::kResourceExhausted,
                "blob of " + std::to_string(size) + " bytes exceeds the limit " + std::to_string(kMaxBlobSize));
}

}  // namespace cf::store
