// Certification for --init-trust: the options mapped onto p11::CertifyStore, and each failure annotated with what
// the operator should change on the command line.
#include "tools/cf-osutility/certification.h"

#include <openssl/x509.h>

#include "common/ossl.h"
#include "common/x509_der.h"

namespace cf::osutil {
namespace {

std::string SubjectLine(ByteView der) {
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(ossl::D2iX509(&p, static_cast<long>(der.size())));
  if (!cert) return "(unparsable)";
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253) < 0) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : "";
}

}  // namespace

Result<CertificationOutcome> CertifyDomain(const Options& o, ByteView policy_cert_der,
                                           tokendir::TokenStorage& storage) {
  entries::CertifyOptions options;
  CF_ASSIGN_OR_RETURN(options.addresses, ParseCertifierAddresses(o.certifier_address));
  options.policy_cert_der.assign(policy_cert_der.begin(), policy_cert_der.end());
  if (!o.public_key_algorithm.empty()) options.new_key_algorithm = o.public_key_algorithm;
  options.key_tier = options.cert_tier = o.pin ? store::Tier::kUser : store::Tier::kPlatform;
  options.deadline = std::chrono::milliseconds(10000);
  attest::CertifyTrace trace;
  auto done = entries::CertifyStore(*storage.store, *storage.enclave, options, &trace);
  if (!done.ok()) {
    std::string where =
        "the Certifier Service at " + (trace.answered_by.empty() ? o.certifier_address : trace.answered_by);
    switch (done.status().code()) {
      case Code::kUnreachable:
        return done.status().Annotate("cannot reach " + where +
                                      " (start cf-certifier there or fix --certifier-address)");
      case Code::kPolicyDenied:
        return done.status().Annotate(where +
                                      " denied certification (add this platform's key and measurement to "
                                      "its policy with cf-policy compile)");
      case Code::kCorrupt:
        return done.status().Annotate("certification by " + where +
                                      " failed (is --policy-cert-file the policy "
                                      "certificate that service uses?)");
      default:
        return done.status();
    }
  }
  CertificationOutcome outcome;
  outcome.certificate_version = done->certificate_version;
  outcome.auth_key_reused = done->auth_key_reused;
  outcome.subject = SubjectLine(done->certificate_der);
  outcome.answered_by = trace.answered_by;
  outcome.attempts = trace.attempts;
  return outcome;
}

}  // namespace cf::osutil
