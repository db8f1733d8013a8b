// Certificate building with OpenSSL's X509 API; every object in an ossl:: holder. Serial numbers are random so
// replicas never collide and nothing needs to be remembered between requests.
#include "certifier/admission_cert.h"

#include <openssl/rand.h>

#include "common/ossl_context.h"
#include "common/x509_der.h"

namespace cf::certifier {
namespace {

const char* DigestFor(EVP_PKEY* key) {
  return EVP_PKEY_get_bits(key) > 2048 && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "SHA384"
         : EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && EVP_PKEY_get_bits(key) > 256 ? "SHA384"
                                                                                    : "SHA256";
}

Status AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::X509Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return ossl::Error(std::string("adding ") + value);
  return Status::Ok();
}

Status RandomSerial(X509* cert) {
  uint8_t bytes[16];
  if (RAND_bytes_ex(ossl::LibCtx(), bytes, sizeof(bytes), 0) != 1) return ossl::Error("RAND_bytes_ex");
  bytes[0] &= 0x7f;  // positive
  bytes[0] |= 0x40;  // and a full 16 bytes long
  ossl::Bn bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) return ossl::Error("serial");
  return Status::Ok();
}

Status SetValidity(X509* cert, int64_t not_before, int64_t validity_seconds) {
  if (ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(not_before + validity_seconds)) == nullptr) {
    return ossl::Error("validity");
  }
  return Status::Ok();
}

Result<Bytes> SignAndEncode(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, ossl::FetchedDigest(DigestFor(key))) <= 0) return ossl::Error("signing certificate");
  return ossl::CertificateDer(cert);
}

}  // namespace

Result<Bytes> IssueAdmissionCertificate(EVP_PKEY* policy_key, X509* policy_cert, const AdmissionRequest& r) {
  if (policy_key == nullptr || policy_cert == nullptr || r.subject_key == nullptr) {
    return Status(Code::kInvalidArgument,
                  "admission certificate needs the policy key, its certificate and a "
                  "subject key");
  }
  int kind = EVP_PKEY_get_base_id(r.subject_key);
  if (kind != EVP_PKEY_RSA && kind != EVP_PKEY_EC) {
    return Status(Code::kInvalidArgument, std::string("enclave key type ") + EVP_PKEY_get0_type_name(r.subject_key) +
                                              " cannot be certified (RSA or EC only)");
  }
  ossl::X509Ptr cert(ossl::NewX509());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return ossl::Error("X509_new");
  CF_RETURN_IF_ERROR(RandomSerial(cert.get()));
  CF_RETURN_IF_ERROR(SetValidity(cert.get(), r.not_before, r.validity_seconds));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(policy_cert)) != 1) return ossl::Error("issuer");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  std::string org = "Measured-" + HexEncode(r.measurement);
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("CertifierUsers"),
                                 -1, -1, 0) != 1 ||
      // V_ASN1_UTF8STRING, not MBSTRING_UTF8: the framework's O holds up to 105 characters for an SNP
      // measurement, beyond X.520's 64-character bound that OpenSSL enforces only for MBSTRING input.
      X509_NAME_add_entry_by_txt(subject, "O", V_ASN1_UTF8STRING, reinterpret_cast<const unsigned char*>(org.c_str()),
                                 -1, -1, 0) != 1) {
    return ossl::Error("subject name");
  }
  // The platform is our addition (the framework names only the measurement): a relying party can tell an SNP
  // admission from a simulated one without the policy at hand.
  std::string platform = "Platform-" + r.platform;
  if (!r.platform.empty() &&
      X509_NAME_add_entry_by_txt(subject, "OU", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(platform.c_str()),
                                 -1, -1, 0) != 1) {
    return ossl::Error("subject platform name");
  }
  if (X509_set_pubkey(cert.get(), r.subject_key) != 1) return ossl::Error("subject key");
  CF_RETURN_IF_ERROR(AddExt(cert.get(), policy_cert, NID_basic_constraints, "critical,CA:FALSE"));
  CF_RETURN_IF_ERROR(AddExt(cert.get(), policy_cert, NID_key_usage, "critical,digitalSignature,keyCertSign"));
  CF_RETURN_IF_ERROR(AddExt(cert.get(), policy_cert, NID_ext_key_usage, "clientAuth,serverAuth"));
  CF_RETURN_IF_ERROR(AddExt(cert.get(), policy_cert, NID_subject_key_identifier, "hash"));
  if (X509_get_ext_by_NID(policy_cert, NID_subject_key_identifier, -1) >= 0) {
    CF_RETURN_IF_ERROR(AddExt(cert.get(), policy_cert, NID_authority_key_identifier, "keyid"));
  }
  return SignAndEncode(cert.get(), policy_key);
}

Result<Bytes> MakePolicyCertificate(EVP_PKEY* policy_key, const std::string& domain, int64_t not_before,
                                    int64_t validity_seconds) {
  ossl::X509Ptr cert(ossl::NewX509());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return ossl::Error("X509_new");
  CF_RETURN_IF_ERROR(RandomSerial(cert.get()));
  CF_RETURN_IF_ERROR(SetValidity(cert.get(), not_before, validity_seconds));
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string org = domain + "/policyAuthority";
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("policyKey"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), policy_key) != 1) {
    return ossl::Error("policy certificate names");
  }
  CF_RETURN_IF_ERROR(AddExt(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  CF_RETURN_IF_ERROR(AddExt(cert.get(), cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"));
  CF_RETURN_IF_ERROR(AddExt(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  return SignAndEncode(cert.get(), policy_key);
}

}  // namespace cf::certifier
