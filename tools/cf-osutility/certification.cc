// Certification for --init-trust: auth key (reused or new), attest::Certify against the Certifier Service, and
// the admission certificate + auth key stored in one write so a failure leaves the store as it was.
#include "tools/cf-osutility/certification.h"

#include <openssl/x509.h>

#include <charconv>

#include "attest/certification_client.h"
#include "attest/verify_sev.h"
#include "common/atomic_file.h"
#include "common/ossl.h"
#include "proto/key_codec.h"
#include "tools/cf-osutility/formats.h"

namespace cf::osutil {
namespace {

std::string SubjectLine(ByteView der) {
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return "(unparsable)";
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253) < 0) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : "";
}

}  // namespace

Result<HostPort> ParseCertifierAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  HostPort out;
  unsigned port = 0;
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status(Code::kInvalidArgument,
                  "--certifier-address '" + text + "' is not HOST:PORT; give e.g. 127.0.0.1:8123");
  }
  auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535) {
    return Status(Code::kInvalidArgument, "--certifier-address '" + text + "' has no port in 1..65535 after ':'");
  }
  out.host = text.substr(0, colon);
  out.port = static_cast<uint16_t>(port);
  return out;
}

Result<Bytes> LoadPolicyCertificate(const std::string& path) {
  auto data = ReadFile(path, 1 << 20);
  if (!data.ok()) {
    return data.status().Annotate("reading --policy-cert-file '" + path +
                                  "' (give the policy certificate made by cf-policy make-key)");
  }
  auto cert = attest::ParseCertificate(*data);
  if (!cert.ok()) {
    return Status(Code::kInvalidArgument, "--policy-cert-file '" + path + "' is not an X.509 certificate (DER or "
                                              "PEM): " + cert.status().message() +
                                              "; give the policy certificate made by cf-policy make-key");
  }
  int n = i2d_X509(cert->get(), nullptr);
  if (n <= 0) return Status(Code::kInternal, "re-encoding the policy certificate as DER failed");
  Bytes der(static_cast<size_t>(n));
  unsigned char* p = der.data();
  i2d_X509(cert->get(), &p);
  return der;
}

Result<CertificationOutcome> CertifyDomain(const Options& o, ByteView policy_cert_der, p11::TokenStorage& storage) {
  CF_ASSIGN_OR_RETURN(HostPort address, ParseCertifierAddress(o.certifier_address));
  attest::CertificationRequest request;
  request.host = address.host;
  request.port = address.port;
  request.policy_cert_der.assign(policy_cert_der.begin(), policy_cert_der.end());
  CertificationOutcome outcome;
  store::Tier tier = o.pin ? store::Tier::kUser : store::Tier::kPlatform;
  auto existing = storage.store->Get(kAuthKeyTag, kKeyMessageType, 0);
  if (existing.ok()) {
    if (!request.auth_key.ParseFromArray(existing->blob.data(), static_cast<int>(existing->blob.size()))) {
      return Status(Code::kCorrupt, "the stored '" + std::string(kAuthKeyTag) + "' entry version " +
                                        std::to_string(existing->info.version) +
                                        " is not a key_message; remove it or use another --policy-domain");
    }
    outcome.auth_key_reused = true;
  } else if (existing.status().code() == Code::kNotFound) {
    const std::string algorithm = o.public_key_algorithm.empty() ? "rsa-2048" : o.public_key_algorithm;
    CF_ASSIGN_OR_RETURN(request.auth_key, keys::GenerateKeyMessage(algorithm, kAuthKeyTag));
  } else {
    return existing.status().Annotate("reading the domain's auth key");
  }
  auto der = attest::Certify(*storage.enclave, request);
  if (!der.ok()) {
    std::string where = "the Certifier Service at " + o.certifier_address;
    switch (der.status().code()) {
      case Code::kUnreachable:
        return der.status().Annotate("cannot reach " + where + " (start cf-certifier there or fix --certifier-address)");
      case Code::kPolicyDenied:
        return der.status().Annotate(where + " denied certification (add this platform's key and measurement to "
                                             "its policy with cf-policy compile)");
      default:
        return der.status().Annotate("certification by " + where + " failed (is --policy-cert-file the policy "
                                     "certificate that service uses?)");
    }
  }
  std::vector<store::NewEntry> entries(1);
  entries[0].tag = kAdmissionCertTag;
  entries[0].type = kCertificateType;
  entries[0].blob.assign(der->begin(), der->end());
  entries[0].exportable = true;  // public: the framework marks it exportable
  entries[0].tier = tier;
  if (!outcome.auth_key_reused) {
    store::NewEntry key;
    key.tag = kAuthKeyTag;
    key.type = kKeyMessageType;
    key.blob.resize(request.auth_key.ByteSizeLong());
    request.auth_key.SerializeToArray(key.blob.data(), static_cast<int>(key.blob.size()));
    key.exportable = false;  // the framework stores the private auth key non-exportable
    key.tier = tier;
    entries.push_back(std::move(key));
  }
  CF_ASSIGN_OR_RETURN(std::vector<store::EntryInfo> infos, storage.store->PutMany(entries));
  outcome.certificate_version = infos[0].version;
  outcome.subject = SubjectLine(*der);
  return outcome;
}

}  // namespace cf::osutil
