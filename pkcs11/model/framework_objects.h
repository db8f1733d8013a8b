// Objects shown for entries in the Certifier Framework's own key format ("key-message-serialized-protobuf",
// written by cf-osutility or the framework's tools): a private key message becomes a private and a public key
// object, a public one a public key, a symmetric one a secret key. Read-only views; no I/O here.
#pragma once

#include <memory>
#include <vector>

#include "cryptstore/store.h"
#include "pkcs11/model/object.h"

namespace cf::p11 {

// The key objects of a framework key message, without entry attributes (the caller sets those and the handles:
// sub 0 is the entry's first object, sub 1 the public half of a private key). Empty when the payload is not a
// key message this module understands (the caller then shows a data object).
std::vector<std::shared_ptr<Object>> FrameworkKeyObjects(const store::Entry& entry);

}  // namespace cf::p11
