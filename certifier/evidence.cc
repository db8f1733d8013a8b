// Turning each evidence item into statements, after its signature checks. The order of items is the framework's
// (WIRE.md): simulated = [signed-claim, signed-vse-attestation-report]; SEV = [cert ARK, cert ASK, cert VCEK,
// sev-attestation]; TPM (ours) = [tpm-ak-public, tpm-attestation]. Anything else is refused with the position and type
// that did not fit.
#include "certifier/evidence.h"

#include "attest/verify_sev.h"
#include "attest/verify_signature.h"
#include "attest/verify_simulated.h"
#include "attest/verify_tdx.h"
#include "attest/verify_tpm.h"
#include "certifier/clause.h"
#include "certifier/tdx_properties.h"
#include "common/x509_der.h"
#include "proto/key_codec.h"

namespace cf::certifier {
namespace {

Status Shape(const wire::evidence_package& p, const std::vector<std::string>& types) {
  if (p.fact_assertion_size() != static_cast<int>(types.size())) {
    return Status(Code::kInvalidArgument, "evidence package has " + std::to_string(p.fact_assertion_size()) +
                                              " items, expected " + std::to_string(types.size()));
  }
  for (size_t i = 0; i < types.size(); ++i) {
    if (p.fact_assertion(static_cast<int>(i)).evidence_type() != types[i]) {
      return Status(Code::kInvalidArgument, "evidence item " + std::to_string(i) + " is '" +
                                                p.fact_assertion(static_cast<int>(i)).evidence_type() +
                                                "', expected '" + types[i] + "'");
    }
  }
  return Status::Ok();
}

// Item i of the package read as the message M ("what" names it); kCorrupt when the bytes are not one.
template <class M>
Result<M> ItemAs(const wire::evidence_package& p, int i, const char* what) {
  M message;
  if (!message.ParseFromString(p.fact_assertion(i).serialized_evidence())) {
    return Status(Code::kCorrupt, "evidence item " + std::to_string(i) + " is not a " + what);
  }
  return message;
}

// What every package establishes: its type, the key at its root and the attested user data, whose key is the
// enclave's.
Result<EvidenceFacts> FactsOf(const char* package_type, const wire::key_message& root_key,
                              const wire::attestation_user_data& user_data) {
  if (!user_data.has_enclave_key()) return Status(Code::kInvalidArgument, "attested user data has no key");
  EvidenceFacts f;
  f.package_type = package_type;
  f.root_key = root_key;
  f.user_data = user_data;
  f.enclave_key = KeyEntity(user_data.enclave_key()).key();
  return f;
}

// A hardware chain's statements (SEV: ARK, ASK, VCEK; TDX: root, PCK CA, PCK): the root and the CA each vouch for
// the next key, and the leaf says what the environment is and that the enclave key speaks for it.
void SayChain(const wire::key_message& root, const wire::key_message& ca, const wire::key_message& leaf,
              EvidenceFacts* f) {
  f->environment.set_the_measurement(AsString(f->measurement));
  wire::entity_message env = EnvironmentEntity(f->environment);
  f->said.push_back(Says(KeyEntity(root), Unary(KeyEntity(ca), kForAttestation)));
  f->said.push_back(Says(KeyEntity(ca), Unary(KeyEntity(leaf), kForAttestation)));
  f->said.push_back(Says(KeyEntity(leaf), Unary(env, kIsEnvironment)));
  f->said.push_back(Says(KeyEntity(leaf), Simple(KeyEntity(f->enclave_key), kSpeaksFor, env)));
}

Result<EvidenceFacts> Simulated(const wire::evidence_package& p, int64_t now) {
  CF_RETURN_IF_ERROR(Shape(p, {"signed-claim", "signed-vse-attestation-report"}));
  CF_ASSIGN_OR_RETURN(auto claim, ItemAs<wire::signed_claim_message>(p, 0, "signed_claim_message"));
  CF_ASSIGN_OR_RETURN(attest::VerifiedClaim endorsement, attest::VerifySignedClaim(claim, nullptr, now));
  const wire::vse_clause& c = endorsement.clause;
  wire::entity_message signer = KeyEntity(endorsement.signer);
  if (!IsSays(c) || !SameEntity(c.subject(), signer) || !IsUnary(c.clause()) || c.clause().verb() != kForAttestation ||
      c.clause().subject().entity_type() != "key") {
    return Status(Code::kInvalidArgument,
                  "platform endorsement is not 'platformKey says attestKey "
                  "is-trusted-for-attestation' by its signer: " +
                      ClauseText(c));
  }
  CF_ASSIGN_OR_RETURN(auto report, ItemAs<wire::signed_report>(p, 1, "signed_report"));
  CF_ASSIGN_OR_RETURN(attest::SimulatedAttestation att, attest::VerifySignedReport(report, now));
  CF_ASSIGN_OR_RETURN(EvidenceFacts f, FactsOf(kSimulatedPackage, endorsement.signer, att.user_data));
  f.measurement = att.measurement;
  f.said.push_back(c);
  f.said.push_back(
      Says(KeyEntity(att.attest_key), Simple(KeyEntity(f.enclave_key), kSpeaksFor, MeasurementEntity(f.measurement))));
  return f;
}

Result<wire::key_message> CertKey(X509* cert, const std::string& name) {
  return keys::KeyMessageFromPKey(X509_get0_pubkey(cert), false, name);
}

Result<EvidenceFacts> Sev(const wire::evidence_package& p, PropertyMapping mapping, int64_t now) {
  CF_RETURN_IF_ERROR(Shape(p, {"cert", "cert", "cert", "sev-attestation"}));
  CF_ASSIGN_OR_RETURN(ossl::X509Ptr ark, attest::ParseCertificate(AsBytes(p.fact_assertion(0).serialized_evidence())));
  CF_ASSIGN_OR_RETURN(ossl::X509Ptr ask, attest::ParseCertificate(AsBytes(p.fact_assertion(1).serialized_evidence())));
  CF_ASSIGN_OR_RETURN(ossl::X509Ptr vcek, attest::ParseCertificate(AsBytes(p.fact_assertion(2).serialized_evidence())));
  CF_RETURN_IF_ERROR(attest::VerifySevChain(ark.get(), ask.get(), vcek.get(), now));
  CF_ASSIGN_OR_RETURN(auto msg, ItemAs<wire::sev_attestation_message>(p, 3, "sev_attestation_message"));
  CF_ASSIGN_OR_RETURN(attest::SevAttestation att, attest::VerifySevAttestation(msg, vcek.get()));
  CF_ASSIGN_OR_RETURN(wire::key_message ark_key, CertKey(ark.get(), "ARKKey"));
  CF_ASSIGN_OR_RETURN(wire::key_message ask_key, CertKey(ask.get(), "ASKKey"));
  CF_ASSIGN_OR_RETURN(wire::key_message vcek_key, CertKey(vcek.get(), "VCEKKey"));
  CF_ASSIGN_OR_RETURN(EvidenceFacts f, FactsOf(kSevPackage, ark_key, att.user_data));
  f.measurement.assign(att.report.measurement.begin(), att.report.measurement.end());
  *f.environment.mutable_the_platform() = SevPlatform(att.report, mapping);
  SayChain(ark_key, ask_key, vcek_key, &f);
  return f;
}

// Ours (WIRE.md "TPM 2.0 evidence (ours)"): [tpm-ak-public, tpm-attestation]. The AK is what the policy trusts
// (trust-platform-key), so there is no chain to walk: "AK says enclaveKey speaks-for Measurement".
Result<EvidenceFacts> Tpm(const wire::evidence_package& p) {
  CF_RETURN_IF_ERROR(Shape(p, {attest::kTpmAkEvidence, attest::kTpmAttestationEvidence}));
  CF_ASSIGN_OR_RETURN(attest::TpmAk ak,
                      attest::ParseAttestationKey(AsBytes(p.fact_assertion(0).serialized_evidence())));
  CF_ASSIGN_OR_RETURN(auto msg, ItemAs<wire::tpm_attestation_message>(p, 1, "tpm_attestation_message"));
  CF_ASSIGN_OR_RETURN(attest::TpmAttestation att, attest::VerifyTpmAttestation(msg, ak));
  CF_ASSIGN_OR_RETURN(EvidenceFacts f, FactsOf(kTpmPackage, ak.key_message, att.user_data));
  f.measurement = att.measurement;
  f.said.push_back(
      Says(KeyEntity(ak.key_message), Simple(KeyEntity(f.enclave_key), kSpeaksFor, MeasurementEntity(f.measurement))));
  return f;
}

// One item: "tdx-attestation", a message with the sev_attestation_message fields (what_was_said, the raw quote).
// The quote carries its PCK chain; the chain's root is what the policy must trust (as the ARK for SEV), so the
// verifier's pin is that root here and the policy's trust-platform-key decides.
Result<EvidenceFacts> Tdx(const wire::evidence_package& p, int64_t now, const TdxCollateralSet* collateral) {
  CF_RETURN_IF_ERROR(Shape(p, {kTdxAttestation}));
  CF_ASSIGN_OR_RETURN(auto msg, ItemAs<wire::sev_attestation_message>(p, 0, "tdx-attestation message"));
  const ByteView raw = AsBytes(msg.reported_attestation());
  CF_ASSIGN_OR_RETURN(attest::tdx::Quote parsed, attest::tdx::ParseQuote(raw));
  CF_ASSIGN_OR_RETURN(ossl::X509Stack chain, attest::ReadPemChain(parsed.pck_chain_pem));
  X509* root = sk_X509_value(chain.get(), sk_X509_num(chain.get()) - 1);
  attest::TdxVerifyOptions options;
  options.now = now;
  CF_ASSIGN_OR_RETURN(options.root_sha256, attest::CertificateSha256(root));
  if (collateral != nullptr) options.crls = collateral->crls;  // a revoked PCK or CA is refused with the reason
  CF_ASSIGN_OR_RETURN(attest::TdxVerification v, attest::VerifyTdxQuote(raw, options));
  CF_RETURN_IF_ERROR(attest::CheckReportDataBinding(v.quote.body, AsBytes(msg.what_was_said())));
  wire::attestation_user_data user_data;
  if (!user_data.ParseFromString(msg.what_was_said())) {
    return Status(Code::kInvalidArgument, "attested user data is not an attestation_user_data");
  }
  X509* ca = sk_X509_value(v.chain.get(), 1);
  X509* pck = sk_X509_value(v.chain.get(), 0);
  CF_ASSIGN_OR_RETURN(wire::key_message root_key, CertKey(root, "IntelSgxRootKey"));
  CF_ASSIGN_OR_RETURN(wire::key_message ca_key, CertKey(ca, "PckCaKey"));
  CF_ASSIGN_OR_RETURN(wire::key_message pck_key, CertKey(pck, "PckKey"));
  CF_ASSIGN_OR_RETURN(EvidenceFacts f, FactsOf(kTdxPackage, root_key, user_data));
  f.measurement.assign(v.quote.body.mr_td.begin(), v.quote.body.mr_td.end());
  *f.environment.mutable_the_platform() = TdxPlatform(v.quote.body);
  if (collateral != nullptr && collateral->has_tcb()) {
    CF_RETURN_IF_ERROR(AddTdxTcbProperties(v, *collateral, options, f.environment.mutable_the_platform(), &f.absent));
  } else {
    f.absent = NoTcbCollateralReasons();
  }
  // The PCK speaks through the QE it certified (QE report signature and binding of the attestation key).
  SayChain(root_key, ca_key, pck_key, &f);
  return f;
}

}  // namespace

Result<EvidenceFacts> VerifyEvidence(const wire::trust_request_message& request, PropertyMapping mapping, int64_t now,
                                     const TdxCollateralSet* tdx) {
  const std::string& type = request.submitted_evidence_type();
  if (type == kSimulatedPackage) return Simulated(request.support(), now);
  if (type == kSevPackage) return Sev(request.support(), mapping, now);
  if (type == kTpmPackage) return Tpm(request.support());
  if (type == kTdxPackage) return Tdx(request.support(), now, tdx);
  if (type == "oe-evidence" || type == "gramine-evidence" || type == "keystone-evidence" || type == "islet-evidence") {
    return Status(Code::kUnimplemented, "evidence type '" + type +
                                            "' is not supported by this service "
                                            "(supported: vse-attestation-package, sev-platform-package, "
                                            "tpm-platform-package, tdx-platform-package)");
  }
  return Status(Code::kInvalidArgument, "unknown submitted_evidence_type '" + type + "'");
}

}  // namespace cf::certifier
