// Fuzz target: the module's configuration text (a file, $CF_PKCS11_CONF, or p11-kit's x-init-reserved, which any
// user who can edit a p11-kit module file sets), parsed and turned into token locations as C_Initialize does.
#include <cstdint>
#include <string>

#include "pkcs11/model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = cf::p11::ParseConfigText(text, "fuzz");
  if (!config.ok()) return 0;
  for (const auto& token : config->tokens()) (void)cf::p11::LocationFor(token);
  return 0;
}
