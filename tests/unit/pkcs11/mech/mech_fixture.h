// Shared test plumbing for pkcs11/mech: templates as maps, running a row's operation the way the model will
// (create, then OneShot / Update+Final), and keys generated once per test binary.
#pragma once

#include <gtest/gtest.h>

#include <map>

#include "pkcs11/mech/families.h"
#include "pkcs11/mech/registry.h"

namespace cf::p11::testing {

struct Template {
  std::map<CK_ATTRIBUTE_TYPE, Bytes> values;
  Template& Ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG v) {
    Bytes b(sizeof(v));
    memcpy(b.data(), &v, sizeof(v));
    values[t] = b;
    return *this;
  }
  Template& Set(CK_ATTRIBUTE_TYPE t, ByteView v) {
    values[t] = Bytes(v.begin(), v.end());
    return *this;
  }
  AttributeLookup Lookup() const {
    return [this](CK_ATTRIBUTE_TYPE t) -> std::optional<ByteView> {
      auto it = values.find(t);
      if (it == values.end()) return std::nullopt;
      return ByteView(it->second);
    };
  }
};

inline CK_MECHANISM Mech(CK_MECHANISM_TYPE type, void* param = nullptr, CK_ULONG len = 0) {
  return CK_MECHANISM{type, param, len};
}

inline const MechanismRow& Row(CK_MECHANISM_TYPE type) {
  const MechanismRow* row = Registry::Get().Find(type);
  if (row == nullptr) throw std::runtime_error("mechanism not registered: " + std::to_string(type));
  return *row;
}

inline CK_RV RvOf(const Status& s) { return s.ok() ? CKR_OK : (s.has_detail() ? s.detail() : CKR_GENERAL_ERROR); }

inline Result<std::unique_ptr<Operation>> Start(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key) {
  return Row(m.mechanism).create(kind, m, key);
}

// One-shot run of kind (sign, encrypt, decrypt, digest...): the output, or the failing status.
inline Result<Bytes> RunOnce(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key, ByteView input) {
  CF_ASSIGN_OR_RETURN(auto op, Start(kind, m, key));
  SecureBytes out;
  CF_RETURN_IF_ERROR(op->OneShot(input, &out));
  if (out.size() > op->MaxOutputLength(input.size())) {
    return Status(Code::kInternal, "output longer than MaxOutputLength");
  }
  return Bytes(out.begin(), out.end());
}

// Multi-part run with the input cut in chunks of `chunk` bytes.
inline Result<Bytes> RunParts(OpKind kind, const CK_MECHANISM& m, const KeyMaterial* key, ByteView input,
                              size_t chunk) {
  CF_ASSIGN_OR_RETURN(auto op, Start(kind, m, key));
  if (!op->multi_part()) return Status(Code::kInternal, "not multi-part");
  SecureBytes out;
  for (size_t i = 0; i < input.size(); i += chunk) {
    CF_RETURN_IF_ERROR(op->Update(input.subspan(i, std::min(chunk, input.size() - i)), &out));
  }
  CF_RETURN_IF_ERROR(op->Final(&out));
  return Bytes(out.begin(), out.end());
}

inline Status Verify(const CK_MECHANISM& m, const KeyMaterial* key, ByteView data, ByteView sig) {
  CF_ASSIGN_OR_RETURN(auto op, Start(OpKind::kVerify, m, key));
  return op->OneShotVerify(data, sig);
}

inline Bytes Data(size_t n, uint8_t seed = 1) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

inline Bytes Hex(std::string_view h) { return HexDecode(h).value(); }

// Key pairs generated once per process through the registry's own rows.
const GeneratedKeyPair& Rsa2048();
const GeneratedKeyPair& EcKey(int bits);  // 256, 384, 521
const GeneratedKeyPair& EdKey(bool ed448);
Bytes CurveParams(int bits);

}  // namespace cf::p11::testing
