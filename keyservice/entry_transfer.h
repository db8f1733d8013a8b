// What of a store entry crosses the key service, and what is kept of an entry that arrives: the framework's
// cryptstore_entry message on the wire, the egress rule (entries/egress_rule.h, path kLeaveVm) before anything
// leaves, and the same checks on both ends before anything is written (no forged token objects, no overwriting
// of the store's certification entries). Shared by the server's request handling and the client.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "cryptstore/store.h"
#include "proto/cryptstore.pb.h"

namespace cf::keysvc {

// The entry `tag` (type: any when empty; version 0: latest) as a cryptstore_entry, when the egress rule lets it
// leave this VM. kNotFound when there is none; kPermissionDenied (the rule's reason) when it is not exportable,
// requires admission, or is an object the PKCS#11 module owns. The result holds the plaintext blob.
Result<wire::cryptstore_entry> ReleasableEntry(store::Store& store, const std::string& tag, const std::string& type,
                                               int32_t version);

// Writes an arriving entry as the next version of its tag and type (Origin kTool, the platform tier, its
// exportable flag as sent). kInvalidArgument for an empty tag or type; kPermissionDenied for the PKCS#11 module's
// own entry types and for `protected_tags` (the store's certification entries).
Result<store::EntryInfo> KeepArrivingEntry(store::Store& store, const wire::cryptstore_entry& entry,
                                           const std::vector<std::string>& protected_tags);

// The metadata of an entry, without its blob (what a store request's answer tells the client).
wire::cryptstore_entry DescribeEntry(const store::EntryInfo& info);

}  // namespace cf::keysvc
