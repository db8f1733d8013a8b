// How the PKCS#11 fuzz target reads its input: a cursor over the bytes that hands out small numbers, byte strings
// and whole CK_ATTRIBUTE templates, and never reads past the end (exhausted input reads as zeros and empties).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <vector>

#include "pkcs11/include/pkcs11_types.h"

namespace cf::fuzz {

// Attribute types worth drawing often; a selector past the list takes four raw bytes instead. Never an array
// attribute (CKF_ARRAY_ATTRIBUTE: CKA_WRAP_TEMPLATE...): its value holds the caller's pointers, and garbage
// pointers from the caller are the caller's bug, not a parser's.
inline constexpr CK_ATTRIBUTE_TYPE kAttributeTypes[] = {CKA_CLASS,
                                                        CKA_TOKEN,
                                                        CKA_PRIVATE,
                                                        CKA_LABEL,
                                                        CKA_VALUE,
                                                        CKA_CERTIFICATE_TYPE,
                                                        CKA_KEY_TYPE,
                                                        CKA_ID,
                                                        CKA_SENSITIVE,
                                                        CKA_ENCRYPT,
                                                        CKA_DECRYPT,
                                                        CKA_WRAP,
                                                        CKA_UNWRAP,
                                                        CKA_SIGN,
                                                        CKA_VERIFY,
                                                        CKA_DERIVE,
                                                        CKA_MODULUS,
                                                        CKA_MODULUS_BITS,
                                                        CKA_PUBLIC_EXPONENT,
                                                        CKA_PRIVATE_EXPONENT,
                                                        CKA_PRIME_1,
                                                        CKA_PRIME_2,
                                                        CKA_EXPONENT_1,
                                                        CKA_EXPONENT_2,
                                                        CKA_COEFFICIENT,
                                                        CKA_VALUE_LEN,
                                                        CKA_EXTRACTABLE,
                                                        CKA_MODIFIABLE,
                                                        CKA_COPYABLE,
                                                        CKA_DESTROYABLE,
                                                        CKA_EC_PARAMS,
                                                        CKA_EC_POINT,
                                                        CKA_ALWAYS_AUTHENTICATE,
                                                        CKA_WRAP_WITH_TRUSTED,
                                                        CKA_TRUSTED,
                                                        CKA_ALLOWED_MECHANISMS,
                                                        CKA_SUBJECT,
                                                        CKA_ISSUER,
                                                        CKA_SERIAL_NUMBER,
                                                        CKA_START_DATE,
                                                        CKA_END_DATE,
                                                        CKA_APPLICATION,
                                                        CKA_OBJECT_ID,
                                                        CKA_CHECK_VALUE,
                                                        CKA_PUBLIC_KEY_INFO,
                                                        CKA_SIGN_RECOVER,
                                                        CKA_VERIFY_RECOVER,
                                                        CKA_LOCAL,
                                                        CKA_NEVER_EXTRACTABLE,
                                                        CKA_ALWAYS_SENSITIVE,
                                                        CKA_KEY_GEN_MECHANISM};

class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return empty() ? 0 : data_[pos_++]; }
  CK_ULONG Ulong() {
    CK_ULONG v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<CK_ULONG>(Byte()) << (8 * i);
    return v;
  }
  std::vector<uint8_t> Bytes(size_t max) {
    size_t n = std::min<size_t>({Byte(), max, size_ - std::min(pos_, size_)});
    std::vector<uint8_t> out(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return out;
  }
  CK_ATTRIBUTE_TYPE AttributeType() {
    uint8_t pick = Byte();
    return pick < std::size(kAttributeTypes) ? kAttributeTypes[pick] : (Ulong() & ~CKF_ARRAY_ATTRIBUTE);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A template whose values it owns: CK_ATTRIBUTE pointers stay valid while it lives.
class Template {
 public:
  // Up to eight attributes; a value of length 0 is passed as a null pointer, as callers asking for lengths do.
  explicit Template(Cursor& in) {
    size_t count = in.Byte() % 9;
    values_.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      CK_ATTRIBUTE_TYPE type = in.AttributeType();
      values_.push_back(in.Bytes(200));
      auto& v = values_.back();
      attrs_.push_back({type, v.empty() ? nullptr : v.data(), static_cast<CK_ULONG>(v.size())});
    }
  }
  CK_ATTRIBUTE* data() { return attrs_.empty() ? nullptr : attrs_.data(); }
  CK_ULONG size() const { return attrs_.size(); }

 private:
  std::vector<std::vector<uint8_t>> values_;
  std::vector<CK_ATTRIBUTE> attrs_;
};

}  // namespace cf::fuzz
