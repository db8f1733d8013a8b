// The entry type strings and tag conventions of token objects and of the Certifier Framework's entries, for every
// piece that must tell them apart (object codec, egress rule, cf-osutility). Constants only: no PKCS#11 header.
#pragma once

namespace cf::entries {

inline constexpr char kTypeData[] = "cf-pkcs11-data";
inline constexpr char kTypeCertificate[] = "cf-pkcs11-certificate";
inline constexpr char kTypePublicKey[] = "cf-pkcs11-public-key";
inline constexpr char kTypePrivateKey[] = "cf-pkcs11-private-key";
inline constexpr char kTypeSecretKey[] = "cf-pkcs11-secret-key";
// The Certifier Framework's type strings.
inline constexpr char kFrameworkKeyMessage[] = "key-message-serialized-protobuf";
inline constexpr char kFrameworkCertificate[] = "X509-der-cert";
// The tag of an object created without a label: this prefix and random hex. Every other token object's CKA_LABEL
// is its entry's tag, so finds by label narrow by tag without reading any blob (object_cache.h).
inline constexpr char kUnlabelledTagPrefix[] = "cf-pkcs11-unlabelled-";
// Certification entries, shared by cf-osutility --init-trust and C_Login (certification.h). The tags have no domain
// prefix (each domain has its own store) and are the objects' labels (cf_pkcs11.h CF_PKCS11_LABEL_*).
inline constexpr char kAuthKeyTag[] = "auth-key";
inline constexpr char kAdmissionCertTag[] = "admission-certificate";
inline constexpr char kPolicyCertTag[] = "policy-certificate";
inline constexpr char kEvidenceTag[] = "certification-evidence";
// The evidence entry's payload: the serialized trust_request_message that was sent (nonce, evidence package).
inline constexpr char kEvidenceType[] = "trust-request-message-serialized-protobuf";

}  // namespace cf::entries
