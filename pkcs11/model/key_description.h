// The one rule for adding what follows from key material (mech's DescribeKey) to a key object's attributes, shared
// by key generation, C_UnwrapKey, C_CreateObject and the framework's keys. It never decides visibility: the schema
// and CKA_SENSITIVE guard the private components it adds.
#pragma once

#include "common/status.h"
#include "pkcs11/mech/key_material.h"
#include "pkcs11/model/attribute_set.h"

namespace cf::p11 {

// Adds the attributes DescribeKey derives from `key` to `attrs`. A value `attrs` already holds wins (a template that
// ApplyTemplate judged, or an object's fixed values), except CKA_EC_POINT of a private key: always the material's,
// kept so the public half can be shown (it is not a schema attribute a template may set).
Status AddKeyDescription(const KeyMaterial& key, AttributeSet* attrs);

}  // namespace cf::p11
