// AttributeSet accessors and the nested-template encoding.
#include "pkcs11/model/attribute_set.h"

#include <cstring>

#include "pkcs11/model/attribute_table.h"

namespace cf::p11 {

const SecureBytes* AttributeSet::Find(CK_ATTRIBUTE_TYPE type) const {
  auto it = values_.find(type);
  return it == values_.end() ? nullptr : &it->second;
}

std::optional<ByteView> AttributeSet::View(CK_ATTRIBUTE_TYPE type) const {
  const SecureBytes* v = Find(type);
  if (v == nullptr) return std::nullopt;
  return ByteView(v->data(), v->size());
}

bool AttributeSet::GetBool(CK_ATTRIBUTE_TYPE type, bool if_absent) const {
  const SecureBytes* v = Find(type);
  if (v == nullptr || v->size() != 1) return if_absent;
  return (*v)[0] != CK_FALSE;
}

std::optional<CK_ULONG> AttributeSet::GetUlong(CK_ATTRIBUTE_TYPE type) const {
  const SecureBytes* v = Find(type);
  if (v == nullptr || v->size() != sizeof(CK_ULONG)) return std::nullopt;
  CK_ULONG out;
  std::memcpy(&out, v->data(), sizeof(out));
  return out;
}

std::string AttributeSet::GetString(CK_ATTRIBUTE_TYPE type) const {
  const SecureBytes* v = Find(type);
  return v == nullptr ? std::string() : std::string(v->begin(), v->end());
}

void AttributeSet::SetBool(CK_ATTRIBUTE_TYPE type, bool value) { Set(type, EncodeBool(value)); }
void AttributeSet::SetUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) { Set(type, EncodeUlong(value)); }

void AttributeSet::Merge(const AttributeSet& other) {
  for (const auto& [type, value] : other.values_) values_[type] = value;
}

bool AttributeSet::Matches(const AttributeSet& pattern) const {
  for (const auto& [type, value] : pattern.values_) {
    const SecureBytes* mine = Find(type);
    if (mine == nullptr || *mine != value) return false;
  }
  return true;
}

AttributeLookup AttributeSet::Lookup() const {
  return [this](CK_ATTRIBUTE_TYPE type) { return View(type); };
}

namespace {
void PutU64(SecureBytes* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

SecureBytes EncodeNested(const AttributeSet& set) {
  SecureBytes out;
  for (const auto& [type, value] : set.values()) {
    PutU64(&out, type);
    PutU64(&out, value.size());
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

Result<AttributeSet> DecodeNested(ByteView encoded) {
  AttributeSet set;
  size_t pos = 0;
  while (pos < encoded.size()) {
    if (encoded.size() - pos < 16) return Result<AttributeSet>(Code::kCorrupt, "nested template truncated");
    uint64_t type = GetU64(encoded.data() + pos);
    uint64_t len = GetU64(encoded.data() + pos + 8);
    pos += 16;
    if (len > encoded.size() - pos) return Result<AttributeSet>(Code::kCorrupt, "nested template value truncated");
    set.Set(type, encoded.subspan(pos, len));
    pos += len;
  }
  return set;
}

}  // namespace cf::p11
