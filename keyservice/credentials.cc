// Loading a store's key-service identity by the tags CredentialTagsFor names, and checking it before it is used:
// a server that starts with an expired certificate would refuse every peer's handshake without saying why.
#include "keyservice/credentials.h"

#include <openssl/crypto.h>

#include "common/time_text.h"
#include "entries/certification.h"
#include "entries/entry_types.h"
#include "keyservice/peer_check.h"
#include "proto/certifier.pb.h"
#include "proto/key_codec.h"

namespace cf::keysvc {
namespace {

constexpr char kCertifyAdvice[] =
    "; certify this token first (cf-osutility --init-trust --certifier-address HOST:PORT --policy-cert-file FILE, or "
    "a C_Login with certification on)";

Result<store::Entry> Required(store::Store& store, const std::string& tag, const char* type, const char* what) {
  auto entry = store.Get(tag, type, 0);
  if (entry.ok()) return entry;
  if (entry.status().code() == Code::kNotFound) {
    return Status(Code::kFailedPrecondition,
                  "the store has no " + std::string(what) + " ('" + tag + "')" + kCertifyAdvice);
  }
  return entry.status().Annotate(std::string("reading the ") + what);
}

// The message holds the private key: its bytes are wiped before the protobuf frees them.
void WipePrivateParts(wire::key_message& key) {
  wire::rsa_message* rsa = key.mutable_rsa_key();
  for (std::string* part :
       {rsa->mutable_private_exponent(), rsa->mutable_private_p(), rsa->mutable_private_q(), rsa->mutable_private_dp(),
        rsa->mutable_private_dq(), rsa->mutable_private_iqmp(), key.mutable_ecc_key()->mutable_private_multiplier()}) {
    OPENSSL_cleanse(part->data(), part->size());
  }
}

Result<ossl::PKey> AuthKey(store::Store& store, const std::string& tag) {
  CF_ASSIGN_OR_RETURN(store::Entry entry, Required(store, tag, entries::kFrameworkKeyMessage, "auth key"));
  wire::key_message key;
  bool parsed = key.ParseFromArray(entry.blob.data(), static_cast<int>(entry.blob.size()));
  if (!parsed) return Status(Code::kCorrupt, "the stored auth key '" + tag + "' is not a key_message");
  auto pkey = keys::PKeyFromKeyMessage(key);
  WipePrivateParts(key);
  if (!pkey.ok()) return pkey.status().Annotate("the stored auth key '" + tag + "'");
  return pkey;
}

}  // namespace

CredentialTags CredentialTagsFor(std::string_view framework_domain) {
  if (framework_domain.empty()) {
    return {entries::kAuthKeyTag, entries::kAdmissionCertTag, entries::kPolicyCertTag};
  }
  std::string d(framework_domain);
  entries::FrameworkCertificationTags framework = entries::FrameworkCertificationTagsFor(d);
  return {framework.private_auth_key, framework.admission_certificate, d + "-policy-certificate"};
}

Result<Credentials> LoadCredentials(store::Store& store, const CredentialTags& tags, const Bytes& policy_cert_der) {
  Credentials out;
  CF_ASSIGN_OR_RETURN(out.auth_key, AuthKey(store, tags.auth_key));
  CF_ASSIGN_OR_RETURN(store::Entry cert, Required(store, tags.admission_certificate, entries::kFrameworkCertificate,
                                                  "admission certificate"));
  out.admission_certificate.assign(cert.blob.begin(), cert.blob.end());
  if (!policy_cert_der.empty()) {
    out.policy_certificate = policy_cert_der;
  } else {
    CF_ASSIGN_OR_RETURN(store::Entry policy,
                        Required(store, tags.policy_certificate, entries::kFrameworkCertificate, "policy certificate"));
    out.policy_certificate.assign(policy.blob.begin(), policy.blob.end());
  }
  auto self = VerifyAdmissionCertificate(out.admission_certificate, out.policy_certificate, NowSeconds());
  if (!self.ok()) {
    return Status(Code::kFailedPrecondition, "this token's own " + self.status().message() + kCertifyAdvice);
  }
  out.subject = self->subject;
  return out;
}

}  // namespace cf::keysvc
