// The object <-> cryptstore entry mapping (ARCHITECTURE.md "Objects and entries"): tag = CKA_LABEL (generated
// when there is none), type = a cf-pkcs11 type string per class, blob = serialized cf_pkcs11.StoredObject,
// exportable = CKA_EXTRACTABLE, tier kUser for CKA_PRIVATE objects. Entries in the framework's own formats are
// shown as objects too. No I/O here: the token calls the store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cryptstore/store.h"
#include "entries/egress_rule.h"
#include "entries/entry_types.h"
#include "pkcs11/model/object.h"

namespace cf::p11 {

bool IsUnlabelledTag(std::string_view tag);

const char* EntryTypeFor(CK_OBJECT_CLASS object_class);

// The entry tag for a label: the label itself, or a generated unlabelled tag (keeping `current` when it already is
// one, so an unlabelled object that stays unlabelled keeps its tag).
Result<std::string> TagForLabel(std::string_view label, std::string_view current = {});
// The entry a new token object becomes. attrs must be complete (ApplyTemplate'd).
Result<store::NewEntry> ObjectToEntry(const AttributeSet& attrs);
// The blob of an existing entry after an attribute change.
Result<SecureBytes> ObjectBlob(const AttributeSet& attrs);
// The objects an entry shows: one for ours, one or two for the framework's. Never fails on foreign payloads:
// what cannot be understood is shown as a data object.
std::vector<std::shared_ptr<Object>> EntryToObjects(const store::Entry& entry);

}  // namespace cf::p11
