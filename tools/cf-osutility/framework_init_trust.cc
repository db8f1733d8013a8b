// --init_trust / --reinit_trust on the framework's files: certify the auth key with a Certifier Service
// (attest::Certify: our client, the framework's wire format), then write the framework's entries
// (<domain>-admission-certificate, <domain>-private-auth-key; entries/certification.h) into its cryptstore and the
// domain's record into its policy store, cryptstore first: a policy store that says "certified" always has them.
#include <openssl/x509.h>

#include <iostream>

#include "attest/certification_client.h"
#include "common/atomic_file.h"
#include "common/ossl.h"
#include "common/ossl_context.h"
#include "entries/certification.h"
#include "proto/key_codec.h"
#include "tools/cf-osutility/formats.h"
#include "tools/cf-osutility/framework_commands.h"
#include "tools/cf-osutility/framework_policy_store.h"

namespace cf::osutil {
namespace {

constexpr int64_t kAuthKeyValiditySeconds = 365LL * 24 * 3600;

// The organisation up to its first '/': the framework's policy certificates say O "<domain>/policyAuthority".
std::string DomainOf(ByteView der) {
  ossl::X509Ptr cert(X509_new_ex(ossl::LibCtx(), ossl::kPropQuery));
  const unsigned char* p = der.data();
  X509* raw = cert.get();
  if (!cert || d2i_X509(&raw, &p, static_cast<long>(der.size())) == nullptr) return "";
  char org[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_organizationName, org, sizeof(org)) <= 0)
    return "";
  std::string text(org);
  return text.substr(0, text.find('/'));
}

Result<Bytes> PolicyCertificate(const FrameworkOptions& fw) {
  if (fw.trust_anchors_path.empty())
    return entries::LoadPolicyCertificate(fw.policy_cert_path, "--policy_key_cert_file");
  CF_ASSIGN_OR_RETURN(Bytes raw, ReadFile(fw.trust_anchors_path, 16u << 20));
  wire::buffer_sequence anchors;
  if (!anchors.ParseFromArray(raw.data(), static_cast<int>(raw.size())))
    return Status(Code::kInvalidArgument, "--trust_anchors '" + fw.trust_anchors_path +
                                              "' is not a serialized buffer_sequence of DER certificates");
  for (const std::string& der : anchors.block())
    if (DomainOf(AsBytes(der)) == fw.domain) return ToBytes(der);
  return Status(Code::kNotFound, "no certificate in --trust_anchors '" + fw.trust_anchors_path + "' names domain '" +
                                     fw.domain + "' (subject O \"" + fw.domain + "/...\")");
}

Result<Bytes> Certify(const Options& o, attest::Enclave& enclave, const wire::key_message& auth_key,
                      const Bytes& policy_cert) {
  const FrameworkOptions& fw = o.framework;
  attest::CertificationRequest request;
  request.host = fw.host;
  request.port = fw.port;
  request.auth_key = auth_key;
  request.policy_cert_der = policy_cert;
  request.expected_measurement = enclave.measurement();
  auto cert = attest::Certify(enclave, request);
  std::string where = "the Certifier Service at " + fw.host + ":" + std::to_string(fw.port);
  if (cert.ok()) return cert;
  if (cert.status().code() == Code::kUnreachable)
    return cert.status().Annotate("cannot reach " + where +
                                  " (fix --certifier_service_URL / --service_port; the "
                                  "framework's default port is 8124, its service listens on 8123)");
  if (cert.status().code() == Code::kPolicyDenied)
    return cert.status().Annotate(where +
                                  " denied certification (its policy must trust this platform and measurement)");
  return cert.status().Annotate("certification by " + where);
}

bool AlreadyCertified(const Options& o, const FrameworkPolicyStore& policy, const FrameworkPlatform& platform) {
  if (o.framework.reinit || !policy.CertifiedDomain(o.framework.domain)) return false;
  auto store = OpenFrameworkStore(o, platform, false);
  if (!store.ok()) return false;
  return store->LatestVersion(entries::FrameworkCertificationTagsFor(o.framework.domain).admission_certificate) > 0;
}

}  // namespace

Status FrameworkInitTrust(const Options& o) {
  const FrameworkOptions& fw = o.framework;
  CF_ASSIGN_OR_RETURN(FrameworkPlatform platform, OpenFrameworkPlatform(o));
  CF_ASSIGN_OR_RETURN(FrameworkPolicyStore policy, FrameworkPolicyStore::Open(fw.policy_store_path, platform.sealer));
  if (AlreadyCertified(o, policy, platform)) {
    std::cerr << "cf-osutility: domain '" << fw.domain << "' is already certified (" << fw.policy_store_path
              << "); --reinit_trust=true certifies again\n";
    return Status::Ok();
  }
  CF_ASSIGN_OR_RETURN(Bytes policy_cert, PolicyCertificate(fw));
  const std::string algorithm = o.public_key_algorithm.empty() ? "rsa-2048" : o.public_key_algorithm;
  std::optional<wire::key_message> auth_key = fw.reinit ? std::nullopt : policy.AuthKey();
  if (!auth_key) {
    CF_ASSIGN_OR_RETURN(wire::key_message fresh,
                        keys::GenerateKeyMessage(algorithm, "auth-key", kAuthKeyValiditySeconds));
    auth_key = std::move(fresh);
  }
  CF_ASSIGN_OR_RETURN(Bytes admission, Certify(o, *platform.enclave, *auth_key, policy_cert));
  CF_ASSIGN_OR_RETURN(FrameworkCryptstore store, OpenFrameworkStore(o, platform, true));
  entries::FrameworkCertificationTags tags = entries::FrameworkCertificationTagsFor(fw.domain);
  CF_ASSIGN_OR_RETURN(int32_t cert_version,
                      store.Add(tags.admission_certificate, kCertificateType, 0, admission, true));
  CF_RETURN_IF_ERROR(
      store.Add(tags.private_auth_key, kKeyMessageType, 0, AsBytes(auth_key->SerializeAsString()), false).status());
  CF_RETURN_IF_ERROR(store.Save());
  FrameworkTrust trust;
  trust.domain = fw.domain;
  trust.policy_cert_der = policy_cert;
  trust.host = fw.host;
  trust.port = fw.port;
  trust.public_key_algorithm = algorithm;
  trust.symmetric_key_algorithm = fw.new_file_key_type;
  trust.auth_key = *auth_key;
  trust.admission_cert_der = admission;
  CF_ASSIGN_OR_RETURN(trust.app_symmetric_key,
                      keys::GenerateKeyMessage(fw.new_file_key_type, "app-symmetric-key", kAuthKeyValiditySeconds));
  policy.Record(trust);
  CF_RETURN_IF_ERROR(policy.Save(fw.new_file_key_type));
  std::cerr << "cf-osutility: certified by " << fw.host << ":" << fw.port << ": stored '" << tags.admission_certificate
            << "' version " << cert_version << " and '" << tags.private_auth_key << "' in " << store.path()
            << "; domain '" << fw.domain << "' recorded in " << fw.policy_store_path << "\n";
  return Status::Ok();
}

}  // namespace cf::osutil
