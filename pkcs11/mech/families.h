// Folder-private: the Register<Family>() entry point of every mechanism family file. Only registry.cc calls
// RegisterAllFamilies; tests may call single families to build a registry of their own.
#pragma once

#include "pkcs11/mech/registry.h"

// Rows are built with designated initializers that leave unused hooks (generate_key, derive...) empty on purpose;
// GCC 12 wrongly reports those as missing initializers (GCC bug 96868, fixed in 13).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cf::p11 {

// One per family file, in the order the families were written (most used first).
void RegisterRsa(Registry& registry);
void RegisterEc(Registry& registry);
void RegisterEddsa(Registry& registry);
void RegisterDigests(Registry& registry);
void RegisterHmac(Registry& registry);
void RegisterAes(Registry& registry);
void RegisterAesGcm(Registry& registry);
void RegisterAesWrap(Registry& registry);
void RegisterEcdh(Registry& registry);
void RegisterHkdf(Registry& registry);

// Calls every family's Register below, in the order the registry is documented (registry.cc).
void RegisterAllFamilies(Registry& registry);

}  // namespace cf::p11
