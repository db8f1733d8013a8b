// The saved-digest format (digest_state.h), big-endian fixed-width fields:
//   "cfOS" | version 1 (1 byte) | kind 1 = digest (1 byte) | mechanism (8 bytes) | input length (4 bytes) | input
// The kind byte leaves room for other saveable operations without a new version. No MAC: a forged state yields
// the digest of input of the forger's choice, which C_DigestInit + C_DigestUpdate give anyone anyway.
#include "pkcs11/mech/digest_state.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>

namespace cf::p11 {
namespace {

constexpr uint8_t kMagic[4] = {'c', 'f', 'O', 'S'};
constexpr uint8_t kVersion = 1;
constexpr uint8_t kKindDigest = 1;
constexpr size_t kHeaderSize = sizeof(kMagic) + 1 + 1 + 8 + 4;

void PutBigEndian(uint64_t value, size_t width, SecureBytes* out) {
  for (size_t i = width; i > 0; --i) out->push_back(static_cast<uint8_t>(value >> (8 * (i - 1))));
}

uint64_t GetBigEndian(ByteView bytes) {
  uint64_t value = 0;
  for (uint8_t b : bytes) value = (value << 8) | b;
  return value;
}

Status Invalid(const std::string& what) {
  return Rv(CKR_SAVED_STATE_INVALID, "saved operation state: " + what +
                                         " (C_SetOperationState takes what this module's C_GetOperationState gave)");
}

}  // namespace

SecureBytes EncodeDigestState(CK_MECHANISM_TYPE mechanism, ByteView input) {
  SecureBytes out;
  out.reserve(kHeaderSize + input.size());
  out.insert(out.end(), std::begin(kMagic), std::end(kMagic));
  out.push_back(kVersion);
  out.push_back(kKindDigest);
  PutBigEndian(mechanism, 8, &out);
  PutBigEndian(input.size(), 4, &out);
  out.insert(out.end(), input.begin(), input.end());
  return out;
}

Result<SavedDigest> DecodeDigestState(ByteView state) {
  if (state.size() < kHeaderSize)
    return Invalid(std::to_string(state.size()) + " bytes, shorter than the " + std::to_string(kHeaderSize) +
                   "-byte header");
  if (!std::equal(std::begin(kMagic), std::end(kMagic), state.begin())) return Invalid("not a cf-pkcs11 state");
  if (state[4] != kVersion) return Invalid("format version " + std::to_string(state[4]) + ", this module reads 1");
  if (state[5] != kKindDigest) return Invalid("operation kind " + std::to_string(state[5]) + " is not a digest");
  uint64_t mechanism = GetBigEndian(state.subspan(6, 8));
  uint64_t length = GetBigEndian(state.subspan(14, 4));
  if (length > kMaxSavedDigestInput)
    return Invalid("input of " + std::to_string(length) + " bytes exceeds the bound of " +
                   std::to_string(kMaxSavedDigestInput));
  if (state.size() - kHeaderSize != length)
    return Invalid("the header says " + std::to_string(length) + " bytes of input, " +
                   std::to_string(state.size() - kHeaderSize) + " follow");
  if (mechanism != static_cast<CK_MECHANISM_TYPE>(mechanism)) return Invalid("mechanism out of range");
  return SavedDigest{.mechanism = static_cast<CK_MECHANISM_TYPE>(mechanism), .input = state.subspan(kHeaderSize)};
}

}  // namespace cf::p11
