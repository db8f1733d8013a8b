// Fuzz target: a store entry's plaintext as the module decodes it into PKCS#11 objects (EntryToObjects): its own
// object message, and the framework's key messages and certificates that cf-osutility and other tools write. The
// first byte picks the entry type and origin; the rest is the blob.
#include <cstdint>
#include <iterator>

#include "entries/entry_types.h"
#include "pkcs11/model/object_codec.h"
#include "quiet_protobuf.h"

namespace {

constexpr const char* kTypes[] = {cf::entries::kTypeData,
                                  cf::entries::kTypeCertificate,
                                  cf::entries::kTypePublicKey,
                                  cf::entries::kTypePrivateKey,
                                  cf::entries::kTypeSecretKey,
                                  cf::entries::kFrameworkKeyMessage,
                                  cf::entries::kFrameworkCertificate,
                                  cf::entries::kEvidenceType,
                                  "binary-blob"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cf::store::Entry entry;
  entry.info.id = 7;
  entry.info.revision = 1;
  entry.info.tag = "fuzz";
  entry.info.type = kTypes[data[0] % std::size(kTypes)];
  entry.info.version = 1;
  entry.info.origin = (data[0] & 0x80) ? cf::store::Origin::kToken : cf::store::Origin::kTool;
  entry.info.tier = (data[0] & 0x40) ? cf::store::Tier::kUser : cf::store::Tier::kPlatform;
  entry.blob = cf::SecureBytes(data + 1, data + size);
  (void)cf::p11::EntryToObjects(entry);
  return 0;
}
