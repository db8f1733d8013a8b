// TPM quote verification with Tss2_MU for every TPM structure and OpenSSL (the module's library context) for the
// ECDSA check. The signature covers the TPMS_ATTEST bytes exactly as sent, so they are verified before being read.
#include "attest/verify_tpm.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <tss2/tss2_mu.h>

#include "attest/tpm/pcr.h"
#include "common/ossl_context.h"
#include "common/pkey_check.h"
#include "common/pkey_from_parts.h"
#include "proto/key_codec.h"

namespace cf::attest {
namespace {

Result<Bytes> Sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, ossl::FetchedDigest("SHA2-256"), nullptr) != 1) {
    return ossl::Error("SHA-256");
  }
  return out;
}

Result<Bytes> EcdsaDer(const TPMS_SIGNATURE_ECDSA& sig) {
  ossl::Bn r(BN_bin2bn(sig.signatureR.buffer, sig.signatureR.size, nullptr));
  ossl::Bn s(BN_bin2bn(sig.signatureS.buffer, sig.signatureS.size, nullptr));
  ossl::EcdsaSig ecdsa(ECDSA_SIG_new());
  if (!r || !s || !ecdsa || ECDSA_SIG_set0(ecdsa.get(), r.get(), s.get()) != 1) return ossl::Error("ECDSA_SIG_set0");
  r.release();  // now owned by ecdsa
  s.release();
  int len = i2d_ECDSA_SIG(ecdsa.get(), nullptr);
  if (len <= 0) return ossl::Error("i2d_ECDSA_SIG");
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(ecdsa.get(), &p);
  return der;
}

}  // namespace

Result<TpmAk> ParseAttestationKey(ByteView data) {
  TPM2B_PUBLIC pub = {};
  size_t offset = 0;
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(data.data(), data.size(), &offset, &pub) != TSS2_RC_SUCCESS ||
      offset != data.size()) {
    return Status(Code::kInvalidArgument, "TPM attestation key is not a marshalled TPM2B_PUBLIC");
  }
  const TPMT_PUBLIC& p = pub.publicArea;
  const TPMA_OBJECT need = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM;
  if (p.type != TPM2_ALG_ECC || p.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
      p.parameters.eccDetail.scheme.scheme != TPM2_ALG_ECDSA ||
      p.parameters.eccDetail.scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256) {
    return Status(Code::kInvalidArgument, "TPM attestation key is not ECC P-256 with ECDSA-SHA256");
  }
  // restricted: the TPM signs only digests it made itself (no forged TPMS_ATTEST); fixedTPM: it never left the TPM.
  if ((p.objectAttributes & need) != need || (p.objectAttributes & TPMA_OBJECT_DECRYPT) != 0) {
    return Status(Code::kInvalidArgument,
                  "TPM attestation key is not a restricted, fixedTPM signing key (objectAttributes 0x" +
                      HexEncode(ByteView(reinterpret_cast<const uint8_t*>(&p.objectAttributes), 4)) + ")");
  }
  const TPMS_ECC_POINT& q = p.unique.ecc;
  if (q.x.size != 32 || q.y.size != 32) return Status(Code::kInvalidArgument, "TPM attestation key point is not P-256");
  Bytes point{0x04};
  point.insert(point.end(), q.x.buffer, q.x.buffer + 32);
  point.insert(point.end(), q.y.buffer, q.y.buffer + 32);
  ossl::KeyParts parts;
  parts.key_type = ossl::kEcKeyType;
  parts.group_name = "P-256";
  parts.public_point = point;
  TpmAk out;
  CF_ASSIGN_OR_RETURN(out.key, ossl::PKeyFromParts(parts, "TPM attestation key"));
  CF_RETURN_IF_ERROR(ossl::CheckPrimeOrderCurvePoint(out.key.get()).Annotate("TPM attestation key"));
  CF_ASSIGN_OR_RETURN(out.key_message, keys::KeyMessageFromPKey(out.key.get(), false, "tpm-ak"));
  return out;
}

Result<TpmAttestation> VerifyTpmAttestation(const wire::tpm_attestation_message& message, const TpmAk& ak) {
  const ByteView quote = AsBytes(message.the_quote());
  if (message.signing_algorithm() != kTpmSigningAlgorithm) {
    return Status(Code::kInvalidArgument, "TPM quote signing_algorithm '" + message.signing_algorithm() +
                                              "', expected '" + kTpmSigningAlgorithm + "'");
  }
  TPMT_SIGNATURE sig = {};
  size_t offset = 0;
  const ByteView sig_bytes = AsBytes(message.signature());
  if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig_bytes.data(), sig_bytes.size(), &offset, &sig) != TSS2_RC_SUCCESS ||
      offset != sig_bytes.size()) {
    return Status(Code::kCorrupt, "TPM quote signature is not a marshalled TPMT_SIGNATURE");
  }
  if (sig.sigAlg != TPM2_ALG_ECDSA || sig.signature.ecdsa.hash != TPM2_ALG_SHA256) {
    return Status(Code::kUnauthenticated, "TPM quote signature is not ECDSA-SHA256");
  }
  CF_ASSIGN_OR_RETURN(Bytes der, EcdsaDer(sig.signature.ecdsa));
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", ossl::LibCtx(), ossl::kPropQuery, ak.key.get(),
                                      nullptr) != 1) {
    return ossl::Error("initialising the TPM quote signature check");
  }
  if (EVP_DigestVerify(ctx.get(), der.data(), der.size(), quote.data(), quote.size()) != 1) {
    ERR_clear_error();
    return Status(Code::kUnauthenticated, "TPM quote signature does not verify under the attestation key");
  }

  TPMS_ATTEST attest = {};
  offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(quote.data(), quote.size(), &offset, &attest) != TSS2_RC_SUCCESS ||
      offset != quote.size()) {
    return Status(Code::kCorrupt, "TPM quote is not a marshalled TPMS_ATTEST");
  }
  if (attest.magic != TPM2_GENERATED_VALUE) {
    return Status(Code::kUnauthenticated, "TPM quote magic is not TPM_GENERATED_VALUE: not made by a TPM");
  }
  if (attest.type != TPM2_ST_ATTEST_QUOTE) return Status(Code::kUnauthenticated, "TPM attestation is not a quote");

  CF_ASSIGN_OR_RETURN(Bytes expected_extra, Sha256(AsBytes(message.what_was_said())));
  if (!ConstantTimeEquals(expected_extra, ByteView(attest.extraData.buffer, attest.extraData.size))) {
    return Status(Code::kUnauthenticated,
                  "TPM quote qualifying data is not SHA-256 of the attested user data: the quote was made for other "
                  "data (or replayed)");
  }

  TpmAttestation out;
  out.selection = attest.attested.quote.pcrSelect;
  out.clock = attest.clockInfo.clock;
  for (uint32_t i = 0; i < out.selection.count; ++i) {
    if (out.selection.pcrSelections[i].hash != TPM2_ALG_SHA256) {
      return Status(Code::kUnauthenticated,
                    "TPM quote covers a PCR bank other than SHA-256 (" + tpm::PcrSelectionText(out.selection) + ")");
    }
  }
  const size_t selected = tpm::SelectedPcrCount(out.selection);
  if (selected == 0) return Status(Code::kUnauthenticated, "TPM quote covers no PCR");
  if (static_cast<size_t>(message.pcr_values_size()) != selected) {
    return Status(Code::kInvalidArgument, "TPM quote covers " + std::to_string(selected) + " PCRs (" +
                                              tpm::PcrSelectionText(out.selection) + ") but " +
                                              std::to_string(message.pcr_values_size()) + " values were sent");
  }
  for (const std::string& v : message.pcr_values()) {
    if (v.size() != 32) return Status(Code::kInvalidArgument, "TPM PCR value is not 32 bytes (SHA-256 bank)");
    out.pcr_values.push_back(ToBytes(v));
  }
  CF_ASSIGN_OR_RETURN(Bytes digest, tpm::PcrDigest(out.pcr_values));
  const TPM2B_DIGEST& quoted = attest.attested.quote.pcrDigest;
  if (!ConstantTimeEquals(digest, ByteView(quoted.buffer, quoted.size))) {
    return Status(Code::kUnauthenticated,
                  "the PCR values sent are not the ones quoted (their SHA-256 differs from the quote's pcrDigest)");
  }
  CF_ASSIGN_OR_RETURN(out.measurement, tpm::PcrMeasurement(out.selection, out.pcr_values));
  if (!out.user_data.ParseFromString(message.what_was_said())) {
    return Status(Code::kCorrupt, "attested user data is not an attestation_user_data");
  }
  return out;
}

}  // namespace cf::attest
