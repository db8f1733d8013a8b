// PCR selection text and the digests over PCR values. Marshalling is the TSS's (Tss2_MU_*), digests OpenSSL's
// through the module's library context.
#include "attest/tpm/pcr.h"

#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include <cstring>

#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::attest::tpm {
namespace {

Result<Bytes> Sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, ossl::FetchedDigest("SHA2-256"), nullptr) != 1) {
    return ossl::Error("SHA-256 over PCR data");
  }
  return out;
}

const char* BankName(TPMI_ALG_HASH alg) {
  switch (alg) {
    case TPM2_ALG_SHA1:
      return "sha1";
    case TPM2_ALG_SHA256:
      return "sha256";
    case TPM2_ALG_SHA384:
      return "sha384";
    default:
      return "unknown-bank";
  }
}

}  // namespace

Result<TPML_PCR_SELECTION> ParsePcrSelection(const std::string& text_in) {
  std::string text = text_in.empty() ? kDefaultPcrs : text_in;
  if (text.rfind("sha256:", 0) == 0) text = text.substr(7);
  TPML_PCR_SELECTION sel = {};
  sel.count = 1;
  sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
  sel.pcrSelections[0].sizeofSelect = 3;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (part.empty() || part.size() > 2 || part.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(part) > 23) {
      return Status(Code::kInvalidArgument, "PCR selection '" + text_in + "': '" + part +
                                                "' is not a PCR index 0..23 (write e.g. \"7\" or \"0,2,7\"; only "
                                                "the SHA-256 bank is used)");
    }
    int pcr = std::stoi(part);
    sel.pcrSelections[0].pcrSelect[pcr / 8] |= static_cast<uint8_t>(1u << (pcr % 8));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return sel;
}

std::string PcrSelectionText(const TPML_PCR_SELECTION& selection) {
  std::string out;
  for (uint32_t i = 0; i < selection.count && i < TPM2_NUM_PCR_BANKS; ++i) {
    const TPMS_PCR_SELECTION& s = selection.pcrSelections[i];
    if (!out.empty()) out += ";";
    out += BankName(s.hash);
    out += ":";
    std::string pcrs;
    for (int pcr = 0; pcr < 8 * s.sizeofSelect && pcr / 8 < TPM2_PCR_SELECT_MAX; ++pcr) {
      if (s.pcrSelect[pcr / 8] & (1u << (pcr % 8))) pcrs += (pcrs.empty() ? "" : ",") + std::to_string(pcr);
    }
    out += pcrs.empty() ? "none" : pcrs;
  }
  return out.empty() ? "(no PCRs)" : out;
}

size_t SelectedPcrCount(const TPML_PCR_SELECTION& selection) {
  size_t n = 0;
  for (uint32_t i = 0; i < selection.count && i < TPM2_NUM_PCR_BANKS; ++i) {
    const TPMS_PCR_SELECTION& s = selection.pcrSelections[i];
    for (int b = 0; b < s.sizeofSelect && b < TPM2_PCR_SELECT_MAX; ++b) n += __builtin_popcount(s.pcrSelect[b]);
  }
  return n;
}

bool SameSelection(const TPML_PCR_SELECTION& a, const TPML_PCR_SELECTION& b) {
  return PcrSelectionText(a) == PcrSelectionText(b);
}

Result<Bytes> MarshalSelection(const TPML_PCR_SELECTION& selection) {
  Bytes out(sizeof(TPML_PCR_SELECTION));
  size_t offset = 0;
  TSS2_RC rc = Tss2_MU_TPML_PCR_SELECTION_Marshal(&selection, out.data(), out.size(), &offset);
  if (rc != TSS2_RC_SUCCESS) return Status(Code::kInvalidArgument, "PCR selection does not marshal");
  out.resize(offset);
  return out;
}

Result<Bytes> PcrDigest(const std::vector<Bytes>& values) {
  Bytes all;
  for (const Bytes& v : values) all.insert(all.end(), v.begin(), v.end());
  return Sha256(all);
}

Result<Bytes> PcrMeasurement(const TPML_PCR_SELECTION& selection, const std::vector<Bytes>& values) {
  CF_ASSIGN_OR_RETURN(Bytes all, MarshalSelection(selection));
  for (const Bytes& v : values) all.insert(all.end(), v.begin(), v.end());
  return Sha256(all);
}

}  // namespace cf::attest::tpm
