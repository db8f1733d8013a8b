// The egress rule, written once. exportable means "may leave this VM" (the framework's meaning: export files, the
// key service, wrapping); the OS may read the framework's entries locally whatever the flag; the token's own
// objects leave only through PKCS#11, where CKA_SENSITIVE and CKA_EXTRACTABLE decide.
#include "entries/egress_rule.h"

#include "entries/entry_types.h"
#include "proto/certifier.pb.h"
#include "proto/key_codec.h"

namespace cf::entries {
namespace {

std::string Name(const store::EntryInfo& info) {
  return "entry '" + info.tag + "' type '" + info.type + "' version " + std::to_string(info.version);
}

// Public only when it is a public key we can read: a message of an unknown key type may hold a secret in fields
// this module does not know, so it counts as secret.
bool IsPublicKeyMessage(const store::Entry& entry) {
  wire::key_message key;
  if (!key.ParseFromArray(entry.blob.data(), static_cast<int>(entry.blob.size()))) return false;
  if (keys::IsSymmetricAlgorithm(key.key_type()) || keys::IsPrivateKeyType(key.key_type())) return false;
  if (!key.secret_key_bits().empty() || !key.rsa_key().private_exponent().empty() ||
      !key.ecc_key().private_multiplier().empty())
    return false;
  return keys::PKeyFromKeyMessage(key).ok();
}

Status Denied(const store::EntryInfo& info, const std::string& why) {
  return Status(Code::kPermissionDenied, Name(info) + " " + why);
}

}  // namespace

bool IsOwnEntryType(std::string_view type) {
  return type == kTypeData || type == kTypeCertificate || type == kTypePublicKey || type == kTypePrivateKey ||
         type == kTypeSecretKey;
}

EntryKind ClassifyEntry(const store::Entry& entry) {
  const store::EntryInfo& info = entry.info;
  if (IsOwnEntryType(info.type))
    return info.origin == store::Origin::kToken ? EntryKind::kTokenObject : EntryKind::kForgedObject;
  if (info.type == kFrameworkCertificate) return EntryKind::kPublicContent;
  if (info.type == kFrameworkKeyMessage && IsPublicKeyMessage(entry)) return EntryKind::kPublicContent;
  return EntryKind::kFrameworkSecret;
}

Status JudgeEgress(const store::Entry& entry, EgressPath path) {
  const store::EntryInfo& info = entry.info;
  switch (ClassifyEntry(entry)) {
    case EntryKind::kTokenObject:
      if (path == EgressPath::kPkcs11View) return Status::Ok();  // the PKCS#11 attribute rules decide
      return Denied(info, path == EgressPath::kLocalRead
                              ? "is an object the PKCS#11 module owns; read it through PKCS#11, where "
                                "CKA_SENSITIVE and CKA_EXTRACTABLE decide what may be read"
                              : "is an object the PKCS#11 module owns and does not leave in clear; move an "
                                "extractable key with C_WrapKey, and public objects through PKCS#11");
    case EntryKind::kForgedObject:
      return Denied(info,
                    "claims the PKCS#11 module's object format but was not written by the module; it is "
                    "ignored (remove it, and look for who wrote it)");
    case EntryKind::kPublicContent:
      return Status::Ok();
    case EntryKind::kFrameworkSecret:
      // A key kept for use while admitted is used through the token, which checks the admission certificate;
      // reading it in clear, even locally, would use it without one.
      if (info.requires_admission)
        return Denied(info,
                      "requires admission: it is used only through the PKCS#11 token, while the token holds "
                      "a valid admission certificate (its public key: --output-format public-der)");
      if (path == EgressPath::kLocalRead || info.exportable) return Status::Ok();
      return Denied(info, path == EgressPath::kLeaveVm
                              ? "is not exportable: it may not leave this VM (the OS reads it locally with "
                                "cf-osutility --get-item)"
                              : "is not exportable: its value is not shown through PKCS#11 (the OS reads it "
                                "locally with cf-osutility --get-item)");
  }
  return Denied(info, "is of an unknown kind");
}

}  // namespace cf::entries
