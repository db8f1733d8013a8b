// TPM commands over ESAPI. Every loaded object and session is a FlushedHandle; every ESYS-allocated result an
// EsysPtr. Marshalling and unmarshalling are Tss2_MU's.
#include "attest/tpm/tpm_ops.h"

#include <tss2/tss2_mu.h>

#include <cstring>

#include "attest/tpm/pcr.h"

namespace cf::attest::tpm {
namespace {

template <typename T, typename F>
Result<Bytes> Marshal(const T& value, F marshal) {
  Bytes out(sizeof(T) + 16);
  size_t offset = 0;
  if (marshal(&value, out.data(), out.size(), &offset) != TSS2_RC_SUCCESS) {
    return Status(Code::kInternal, "TPM structure does not marshal");
  }
  out.resize(offset);
  return out;
}

template <typename T, typename F>
Result<T> Unmarshal(ByteView data, F unmarshal, const char* what) {
  T value = {};
  size_t offset = 0;
  if (unmarshal(data.data(), data.size(), &offset, &value) != TSS2_RC_SUCCESS || offset != data.size()) {
    return Status(Code::kCorrupt, std::string("stored ") + what + " is not a valid marshalled TPM structure");
  }
  return value;
}

Result<TpmObject> ToObject(const TPM2B_PUBLIC* pub, const TPM2B_PRIVATE* priv) {
  TpmObject out;
  CF_ASSIGN_OR_RETURN(out.public_area, Marshal(*pub, Tss2_MU_TPM2B_PUBLIC_Marshal));
  CF_ASSIGN_OR_RETURN(out.private_area, Marshal(*priv, Tss2_MU_TPM2B_PRIVATE_Marshal));
  return out;
}

Result<FlushedHandle> Load(TpmContext& tpm, const FlushedHandle& parent, const TpmObject& object) {
  CF_ASSIGN_OR_RETURN(TPM2B_PUBLIC pub,
                      Unmarshal<TPM2B_PUBLIC>(object.public_area, Tss2_MU_TPM2B_PUBLIC_Unmarshal, "TPM2B_PUBLIC"));
  CF_ASSIGN_OR_RETURN(TPM2B_PRIVATE priv,
                      Unmarshal<TPM2B_PRIVATE>(object.private_area, Tss2_MU_TPM2B_PRIVATE_Unmarshal, "TPM2B_PRIVATE"));
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc = Esys_Load(tpm.esys(), parent.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub, &handle);
  if (rc != TSS2_RC_SUCCESS) {
    Status e = TssError("loading the object", rc);
    return Status(Code::kUnauthenticated,
                  "this TPM's storage key does not load the object: it was made by another TPM, or this TPM's owner "
                  "hierarchy was cleared since (" +
                      e.message() + ")");
  }
  return FlushedHandle(tpm.esys(), handle);
}

// `expected` empty: the PCRs' current values; else SHA-256 over the expected values (a trial session only).
Result<Bytes> PolicyPcr(TpmContext& tpm, const FlushedHandle& session, const TPML_PCR_SELECTION& selection,
                        ByteView expected = {}) {
  TPM2B_DIGEST digest_in = {};
  if (expected.size() > sizeof(digest_in.buffer)) return Status(Code::kInvalidArgument, "PCR digest too long");
  digest_in.size = static_cast<uint16_t>(expected.size());
  if (!expected.empty()) memcpy(digest_in.buffer, expected.data(), expected.size());
  TSS2_RC rc =
      Esys_PolicyPCR(tpm.esys(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &digest_in, &selection);
  if (rc != TSS2_RC_SUCCESS) return TssError("PolicyPCR over " + PcrSelectionText(selection), rc);
  TPM2B_DIGEST* raw = nullptr;
  rc = Esys_PolicyGetDigest(tpm.esys(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw);
  EsysPtr<TPM2B_DIGEST> digest(raw);
  if (rc != TSS2_RC_SUCCESS) return TssError("PolicyGetDigest", rc);
  return Bytes(digest->buffer, digest->buffer + digest->size);
}

}  // namespace

Result<std::vector<Bytes>> ReadPcrs(TpmContext& tpm, const TPML_PCR_SELECTION& selection) {
  std::vector<Bytes> out;
  for (uint32_t i = 0; i < selection.count; ++i) {
    const TPMS_PCR_SELECTION& s = selection.pcrSelections[i];
    for (int pcr = 0; pcr < 8 * s.sizeofSelect; ++pcr) {
      if ((s.pcrSelect[pcr / 8] & (1u << (pcr % 8))) == 0) continue;
      TPML_PCR_SELECTION one = {};
      one.count = 1;
      one.pcrSelections[0].hash = s.hash;
      one.pcrSelections[0].sizeofSelect = s.sizeofSelect;
      one.pcrSelections[0].pcrSelect[pcr / 8] = static_cast<uint8_t>(1u << (pcr % 8));
      TPML_PCR_SELECTION* sel_out = nullptr;
      TPML_DIGEST* values = nullptr;
      TSS2_RC rc =
          Esys_PCR_Read(tpm.esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &one, nullptr, &sel_out, &values);
      EsysPtr<TPML_PCR_SELECTION> sel_owner(sel_out);
      EsysPtr<TPML_DIGEST> values_owner(values);
      if (rc != TSS2_RC_SUCCESS) return TssError("reading PCR " + std::to_string(pcr), rc);
      if (values == nullptr || values->count != 1) {
        return Status(Code::kFailedPrecondition, "the TPM has no PCR " + std::to_string(pcr) +
                                                     " in the bank asked for (" + PcrSelectionText(one) +
                                                     "): choose PCRs this TPM implements");
      }
      out.emplace_back(values->digests[0].buffer, values->digests[0].buffer + values->digests[0].size);
    }
  }
  return out;
}

Result<TpmObject> SealUnderPcrs(TpmContext& tpm, const TPML_PCR_SELECTION& selection, ByteView secret,
                                ByteView expected_pcr_digest) {
  TPM2B_SENSITIVE_CREATE sensitive = {};
  if (secret.size() > sizeof(sensitive.sensitive.data.buffer)) {
    return Status(Code::kInvalidArgument, "a TPM sealed object holds at most 128 bytes");
  }
  Bytes policy;
  {
    CF_ASSIGN_OR_RETURN(FlushedHandle trial, tpm.StartPolicySession(true));
    CF_ASSIGN_OR_RETURN(policy, PolicyPcr(tpm, trial, selection, expected_pcr_digest));
  }
  CF_ASSIGN_OR_RETURN(FlushedHandle primary, tpm.StoragePrimary());
  sensitive.sensitive.data.size = static_cast<uint16_t>(secret.size());
  memcpy(sensitive.sensitive.data.buffer, secret.data(), secret.size());
  TPM2B_PUBLIC templ = {};
  templ.publicArea.type = TPM2_ALG_KEYEDHASH;
  templ.publicArea.nameAlg = TPM2_ALG_SHA256;
  // No USERWITHAUTH: the policy is the only way to unseal. NODA: a wrong PCR state is not a dictionary attack.
  templ.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
  templ.publicArea.authPolicy.size = static_cast<uint16_t>(policy.size());
  memcpy(templ.publicArea.authPolicy.buffer, policy.data(), policy.size());
  templ.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
  TPM2B_DATA outside = {};
  TPML_PCR_SELECTION creation_pcr = {};
  TPM2B_PRIVATE* priv = nullptr;
  TPM2B_PUBLIC* pub = nullptr;
  TSS2_RC rc = Esys_Create(tpm.esys(), primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &templ,
                           &outside, &creation_pcr, &priv, &pub, nullptr, nullptr, nullptr);
  OPENSSL_cleanse(&sensitive, sizeof(sensitive));
  EsysPtr<TPM2B_PRIVATE> priv_owner(priv);
  EsysPtr<TPM2B_PUBLIC> pub_owner(pub);
  if (rc != TSS2_RC_SUCCESS) return TssError("creating the sealed object", rc);
  return ToObject(pub, priv);
}

Result<SecureBytes> UnsealUnderPcrs(TpmContext& tpm, const TPML_PCR_SELECTION& selection, const TpmObject& sealed) {
  CF_ASSIGN_OR_RETURN(FlushedHandle primary, tpm.StoragePrimary());
  CF_ASSIGN_OR_RETURN(FlushedHandle object, Load(tpm, primary, sealed));
  CF_ASSIGN_OR_RETURN(FlushedHandle session, tpm.StartPolicySession(false));
  CF_RETURN_IF_ERROR(PolicyPcr(tpm, session, selection).status());
  TPM2B_SENSITIVE_DATA* raw = nullptr;
  TSS2_RC rc = Esys_Unseal(tpm.esys(), object.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, &raw);
  EsysPtr<TPM2B_SENSITIVE_DATA> data(raw);
  if ((rc & TPM2_RC_FMT1) != 0 && (rc & 0x3f) == (TPM2_RC_POLICY_FAIL & 0x3f)) {
    return Status(Code::kUnauthenticated, "the TPM refuses to unseal: the boot state (PCRs " +
                                              PcrSelectionText(selection) + ") differs from the one sealed to");
  }
  if (rc != TSS2_RC_SUCCESS) return TssError("unsealing", rc);
  SecureBytes out(data->buffer, data->buffer + data->size);
  OPENSSL_cleanse(data->buffer, data->size);
  return out;
}

Result<TpmObject> CreateAttestationKey(TpmContext& tpm) {
  CF_ASSIGN_OR_RETURN(FlushedHandle primary, tpm.StoragePrimary());
  TPM2B_PUBLIC templ = RestrictedEccP256Template(TPMA_OBJECT_SIGN_ENCRYPT);
  TPMS_ECC_PARMS& ecc = templ.publicArea.parameters.eccDetail;
  ecc.scheme.scheme = TPM2_ALG_ECDSA;
  ecc.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  TPM2B_SENSITIVE_CREATE sensitive = {};
  TPM2B_DATA outside = {};
  TPML_PCR_SELECTION creation_pcr = {};
  TPM2B_PRIVATE* priv = nullptr;
  TPM2B_PUBLIC* pub = nullptr;
  TSS2_RC rc = Esys_Create(tpm.esys(), primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &templ,
                           &outside, &creation_pcr, &priv, &pub, nullptr, nullptr, nullptr);
  EsysPtr<TPM2B_PRIVATE> priv_owner(priv);
  EsysPtr<TPM2B_PUBLIC> pub_owner(pub);
  if (rc != TSS2_RC_SUCCESS) return TssError("creating the attestation key", rc);
  return ToObject(pub, priv);
}

Result<Quote> QuotePcrs(TpmContext& tpm, const TpmObject& ak, const TPML_PCR_SELECTION& selection,
                        ByteView qualifying_data) {
  TPM2B_DATA extra = {};
  if (qualifying_data.size() > 64) return Status(Code::kInvalidArgument, "qualifying data over 64 bytes");
  extra.size = static_cast<uint16_t>(qualifying_data.size());
  memcpy(extra.buffer, qualifying_data.data(), qualifying_data.size());
  CF_ASSIGN_OR_RETURN(FlushedHandle primary, tpm.StoragePrimary());
  CF_ASSIGN_OR_RETURN(FlushedHandle key, Load(tpm, primary, ak));
  TPMT_SIG_SCHEME scheme = {};
  scheme.scheme = TPM2_ALG_NULL;  // the key's own scheme (ECDSA-SHA256)
  TPM2B_ATTEST* attest = nullptr;
  TPMT_SIGNATURE* sig = nullptr;
  TSS2_RC rc = Esys_Quote(tpm.esys(), key.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &extra, &scheme,
                          &selection, &attest, &sig);
  EsysPtr<TPM2B_ATTEST> attest_owner(attest);
  EsysPtr<TPMT_SIGNATURE> sig_owner(sig);
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_Quote over " + PcrSelectionText(selection), rc);
  Quote out;
  out.attest.assign(attest->attestationData, attest->attestationData + attest->size);
  CF_ASSIGN_OR_RETURN(out.signature, Marshal(*sig, Tss2_MU_TPMT_SIGNATURE_Marshal));
  return out;
}

Status ExtendPcr(TpmContext& tpm, int pcr, ByteView digest32) {
  if (pcr < 0 || pcr > 23 || digest32.size() != 32) return Status(Code::kInvalidArgument, "PCR 0..23, 32-byte digest");
  TPML_DIGEST_VALUES values = {};
  values.count = 1;
  values.digests[0].hashAlg = TPM2_ALG_SHA256;
  memcpy(values.digests[0].digest.sha256, digest32.data(), 32);
  TSS2_RC rc = Esys_PCR_Extend(tpm.esys(), ESYS_TR_PCR0 + static_cast<ESYS_TR>(pcr), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                               ESYS_TR_NONE, &values);
  if (rc != TSS2_RC_SUCCESS) return TssError("extending PCR " + std::to_string(pcr), rc);
  return Status::Ok();
}

}  // namespace cf::attest::tpm
