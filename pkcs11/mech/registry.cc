// The process-wide mechanism registry: rows kept sorted by type, built once from every family's Register().
// This is the only place that knows the list of families; nothing else enumerates or switches on mechanisms.
#include "pkcs11/mech/registry.h"

#include <algorithm>
#include <mutex>

#include "pkcs11/mech/families.h"

namespace cf::p11 {

const Registry& Registry::Get() {
  // Heap and never destroyed: exit handlers of OpenSSL, libp11 and p11-kit may call into the module after C++
  // static destructors have run (STYLE.md rule 19). The magic static makes the first build thread-safe.
  static const Registry* const registry = [] {
    auto* r = new Registry();
    RegisterAllFamilies(*r);
    return r;
  }();
  return *registry;
}

void Registry::Add(MechanismRow row) {
  auto it = std::lower_bound(rows_.begin(), rows_.end(), row.type,
                             [](const MechanismRow& r, CK_MECHANISM_TYPE t) { return r.type < t; });
  if (it != rows_.end() && it->type == row.type) {
    *it = std::move(row);  // a later registration replaces an earlier one; families never overlap in practice
    return;
  }
  rows_.insert(it, std::move(row));
}

const MechanismRow* Registry::Find(CK_MECHANISM_TYPE type) const {
  auto it = std::lower_bound(rows_.begin(), rows_.end(), type,
                             [](const MechanismRow& r, CK_MECHANISM_TYPE t) { return r.type < t; });
  if (it == rows_.end() || it->type != type) return nullptr;
  return &*it;
}

std::vector<CK_MECHANISM_TYPE> Registry::Types() const {
  std::vector<CK_MECHANISM_TYPE> types;
  types.reserve(rows_.size());
  for (const auto& r : rows_) types.push_back(r.type);
  return types;
}

}  // namespace cf::p11
