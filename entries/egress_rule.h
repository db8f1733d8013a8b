// The one rule for what of a cryptstore entry may leave the store, and by which path (SECURITY.md "What leaves the
// store, by path"). cf-osutility's --get-item and --export-cryptstore, the module's data-object views of framework
// entries and (later) the key service all ask here; PKCS#11 attribute reads and wrapping of the token's own objects
// follow the PKCS#11 attribute rules (pkcs11/model/object_schema.cc), which this rule leaves to them. No I/O here.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "cryptstore/store.h"

namespace cf::entries {

// The entry types of the module's own object message (pkcs11/model/object_codec.h).
bool IsOwnEntryType(std::string_view type);

// What an entry is, for the rule.
enum class EntryKind {
  kTokenObject,      // the module's own object message, written by the module (Origin::kToken)
  kForgedObject,     // the module's object format written by anyone else: never shown, never trusted
  kPublicContent,    // a framework certificate or public key message: nothing secret in it
  kFrameworkSecret,  // any other framework entry (keys with private parts, raw blobs): secret
};

enum class EgressPath {
  kLocalRead,  // cf-osutility --get-item: the OS on this VM reads its own entries (the framework's intent)
  kLeaveVm,    // plaintext that may leave this VM: --export-cryptstore files, the key service
  kPkcs11View  // CKA_VALUE of the data object the module shows for a framework entry
};

EntryKind ClassifyEntry(const store::Entry& entry);

// OK, or kPermissionDenied whose message names the entry, the path and what to do instead.
Status JudgeEgress(const store::Entry& entry, EgressPath path);

}  // namespace cf::entries
