// Verification of AMD SEV-SNP evidence: the ARK -> ASK -> VCEK certificate chain (RSA-PSS, ARK self-signed),
// the report's ECDSA P-384 signature by the VCEK, the VCEK's TCB and chip id against the report, and the binding
// report_data[0..48) == SHA-384(what_was_said). Produces facts; the policy (certifier/) decides if they suffice.
#pragma once

#include <cstdint>

#include "attest/sev_snp/report.h"
#include "common/bytes.h"
#include "common/ossl.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::attest {

// DER or PEM X.509. kInvalidArgument when neither parses.
Result<ossl::X509Ptr> ParseCertificate(ByteView der_or_pem);

// ARK self-signed, ASK signed by ARK, VCEK signed by ASK (signatures and issuer names), each within its validity
// at `now`. Whether this ARK is trusted is for the policy. kUnauthenticated names the link that failed.
Status VerifySevChain(X509* ark, X509* ask, X509* vcek, int64_t now);

// What the report-signing certificate (a VCEK, or a VLEK a cloud provider loaded instead) says: which of the two it
// is (subject CN "SEV-VCEK" / "SEV-VLEK"), the product (1.3.6.1.4.1.3704.1.2), the TCB from the SPL extensions
// (1.3.6.1.4.1.3704.1.3.x) in the report's TCB_VERSION layout for that product — Milan/Genoa: boot loader, TEE,
// SNP, microcode in bytes 0, 1, 6, 7; Turin (family 1Ah, with an FMC SPL, .3.9): FMC, boot loader, TEE, SNP,
// microcode in bytes 0, 1, 2, 3, 7 — and the chip id (hwID, 1.3.6.1.4.1.3704.1.4): 64 bytes on Milan/Genoa,
// 8 on Turin (what AMD's KDS names a Turin VCEK by), none for a VLEK (it is not per chip).
// kInvalidArgument when an extension is missing or malformed.
struct VcekFacts {
  std::string kind;     // "VCEK" or "VLEK"
  std::string product;  // "Milan", "Genoa", "Turin"...; empty when the certificate does not say
  uint64_t tcb = 0;
  Bytes chip_id;
};
Result<VcekFacts> ReadVcekFacts(X509* vcek);

// The report is 0x4A0 bytes, signature_algo 1, signed by the key its SIGNING_KEY field names (the certificate must
// be that kind: a VLEK-signed report needs the VLEK), and its reported TCB and chip id are the certificate's (the
// chip id only for a VCEK: its first 8 bytes on Turin). kInvalidArgument for the wrong kind of certificate,
// kUnauthenticated when the signature fails or no key signed, kPolicyDenied for a TCB/chip mismatch; each message
// names the key.
Result<snp::Report> VerifySevReport(ByteView raw_report, X509* vcek);

// A verified sev_attestation_message: the report and the attestation_user_data it binds.
struct SevAttestation {
  snp::Report report;
  wire::attestation_user_data user_data;
  Bytes what_was_said;
};
Result<SevAttestation> VerifySevAttestation(const wire::sev_attestation_message& message, X509* vcek);

}  // namespace cf::attest
