// The TPM enclave. One TPM connection per operation (opened, used, every object flushed, closed) under a mutex:
// a TPM without a resource manager (swtpm, /dev/tpm0) then serves several processes in turn, and the resource
// manager of /dev/tpmrm0 does the same for us. The measurement is that of the boot state when the platform opened.
// Seal/Unseal are AES-256-GCM under the platform sealing key (sealing_key.h), which the TPM unseals on first use.
#include "attest/tpm/tpm_enclave.h"

#include <map>
#include <mutex>

#include "attest/tpm/directory_lock.h"
#include "attest/tpm/pcr.h"
#include "attest/tpm/sealing_key.h"
#include "attest/tpm/tpm_ops.h"
#include "attest/verify_tpm.h"
#include "common/aead.h"
#include "common/atomic_file.h"
#include "common/ossl_context.h"
#include "common/random.h"

namespace cf::attest {
namespace {

constexpr char kSealAad[] = "cf-pkcs11 tpm seal";
constexpr int kQuoteTries = 3;

Result<Bytes> Sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, ossl::FetchedDigest("SHA2-256"), nullptr) != 1) {
    return ossl::Error("SHA-256");
  }
  return out;
}

class TpmEnclave : public Enclave {
 public:
  TpmEnclave(std::string tcti, TPML_PCR_SELECTION selection, std::string directory)
      : tcti_(std::move(tcti)), selection_(selection), directory_(std::move(directory)) {}

  Status Init(bool create_if_missing) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string pub_path = directory_ + "/ak.pub", priv_path = directory_ + "/ak.priv";
    const bool complete = FileExists(pub_path) && FileExists(priv_path) && FileExists(directory_ + "/sealing-key.tpm");
    if (!complete && !create_if_missing) {
      return Status(Code::kNotFound, "TPM platform directory '" + directory_ +
                                         "' has no attestation key (ak.pub) or sealing key (sealing-key.tpm)");
    }
    // The directory first: it holds the TPM lock that Open takes.
    if (!complete) CF_RETURN_IF_ERROR(MakeDirectories(directory_, 0700));
    CF_ASSIGN_OR_RETURN(auto tpm, tpm::TpmContext::Open(tcti_, directory_));
    if (!complete) {
      CF_RETURN_IF_ERROR(CreateAkIfMissing(*tpm));
      CF_RETURN_IF_ERROR(tpm::CreateSealingKeyIfMissing(*tpm, directory_, selection_));
    }
    CF_ASSIGN_OR_RETURN(ak_.public_area, ReadFile(pub_path, 4096));
    CF_ASSIGN_OR_RETURN(ak_.private_area, ReadFile(priv_path, 4096));
    CF_RETURN_IF_ERROR(ParseAttestationKey(ak_.public_area).status().Annotate(pub_path));
    CF_ASSIGN_OR_RETURN(std::vector<Bytes> pcrs, tpm::ReadPcrs(*tpm, selection_));
    CF_ASSIGN_OR_RETURN(measurement_, tpm::PcrMeasurement(selection_, pcrs));
    return Status::Ok();
  }

  Status CreateAkIfMissing(tpm::TpmContext& tpm) {
    CF_ASSIGN_OR_RETURN(FileLock lock, tpm::LockPlatformDirectory(directory_));
    const std::string pub_path = directory_ + "/ak.pub";
    if (FileExists(pub_path)) return Status::Ok();
    CF_ASSIGN_OR_RETURN(tpm::TpmObject created, tpm::CreateAttestationKey(tpm));
    CF_ASSIGN_OR_RETURN(TpmAk parsed, ParseAttestationKey(created.public_area));
    // ak.pub last: a reader that finds it finds its ak.priv.
    CF_RETURN_IF_ERROR(WriteFileAtomic(directory_ + "/ak.priv", created.private_area));
    CF_RETURN_IF_ERROR(WriteFileAtomic(directory_ + "/ak.key", AsBytes(parsed.key_message.SerializeAsString()), 0644));
    return WriteFileAtomic(pub_path, created.public_area, 0644);
  }

  const std::string& type() const override { return type_; }
  const Bytes& measurement() const override { return measurement_; }

  Result<Bytes> Seal(ByteView secret) override {
    CF_ASSIGN_OR_RETURN(SecureBytes key, SealingKey());
    return aead::Seal(key, secret, AsBytes(kSealAad));
  }

  Result<SecureBytes> Unseal(ByteView sealed) override {
    CF_ASSIGN_OR_RETURN(SecureBytes key, SealingKey());
    auto opened = aead::Open(key, sealed, AsBytes(kSealAad));
    if (!opened.ok() && opened.status().code() == Code::kCorrupt) {
      return Status(Code::kUnauthenticated, "sealed blob does not open with this TPM platform's sealing key (" +
                                                directory_ + "): sealed by another platform, or altered");
    }
    return opened;
  }

  Result<Bytes> Attest(ByteView what_to_say) override {
    CF_ASSIGN_OR_RETURN(Bytes qualifying, Sha256(what_to_say));
    CF_ASSIGN_OR_RETURN(TpmAk ak, ParseAttestationKey(ak_.public_area));
    std::lock_guard<std::mutex> lock(mu_);
    CF_ASSIGN_OR_RETURN(auto tpm, tpm::TpmContext::Open(tcti_, directory_));
    Status last;
    // A PCR extended between the quote and the read makes the values disagree with the quote: quote again.
    for (int attempt = 0; attempt < kQuoteTries; ++attempt) {
      CF_ASSIGN_OR_RETURN(tpm::Quote quote, tpm::QuotePcrs(*tpm, ak_, selection_, qualifying));
      CF_ASSIGN_OR_RETURN(std::vector<Bytes> pcrs, tpm::ReadPcrs(*tpm, selection_));
      wire::tpm_attestation_message msg;
      msg.set_what_was_said(AsString(what_to_say));
      msg.set_the_quote(AsString(quote.attest));
      msg.set_signing_algorithm(kTpmSigningAlgorithm);
      msg.set_signature(AsString(quote.signature));
      for (const Bytes& v : pcrs) msg.add_pcr_values(AsString(v));
      auto verified = VerifyTpmAttestation(msg, ak);
      if (verified.ok()) return ToBytes(msg.SerializeAsString());
      last = verified.status();
    }
    return last.Annotate("the TPM's quote does not verify against its own PCR values");
  }

  Result<std::vector<wire::evidence>> PlatformEvidence() override {
    wire::evidence e;
    e.set_evidence_type(kTpmAkEvidence);
    e.set_serialized_evidence(AsString(ak_.public_area));
    return std::vector<wire::evidence>{e};
  }

  std::string evidence_type() const override { return kTpmPackage; }

  // No TPM NV counter is kept (attest/tpm/README.md): ReadCounter and AdvanceCounter are the base class's "none".

 private:
  std::string tcti_;
  TPML_PCR_SELECTION selection_;
  std::string directory_;
  std::string type_ = kTpmEnclave;
  std::mutex mu_;  // one TPM connection at a time from this process
  tpm::TpmObject ak_;
  Bytes measurement_;
  SecureBytes sealing_key_;  // unsealed by the TPM once, on first use

  Result<SecureBytes> SealingKey() {
    std::lock_guard<std::mutex> lock(mu_);
    if (sealing_key_.empty()) {
      CF_ASSIGN_OR_RETURN(auto tpm, tpm::TpmContext::Open(tcti_, directory_));
      CF_ASSIGN_OR_RETURN(sealing_key_, tpm::UnsealSealingKey(*tpm, directory_));
    }
    return sealing_key_;
  }
};

}  // namespace

Result<std::unique_ptr<Enclave>> OpenTpmEnclave(const EnclaveOptions& options) {
  if (options.directory.empty()) return Status(Code::kInvalidArgument, "TPM enclave needs a platform directory");
  CF_ASSIGN_OR_RETURN(TPML_PCR_SELECTION selection, tpm::ParsePcrSelection(options.tpm_pcrs));
  auto enclave = std::make_unique<TpmEnclave>(tpm::ResolveTcti(options.tpm_tcti), selection, options.directory);
  CF_RETURN_IF_ERROR(enclave->Init(options.create_if_missing));
  return std::unique_ptr<Enclave>(std::move(enclave));
}

Status PrepareTpmReseal(const EnclaveOptions& options, const std::string& expected_pcrs) {
  CF_ASSIGN_OR_RETURN(TPML_PCR_SELECTION selection, tpm::ParsePcrSelection(options.tpm_pcrs));
  // "7=<hex>,0=<hex>": one value per selected PCR, any order; placed in ascending PCR order.
  std::map<int, Bytes> given;
  size_t pos = 0;
  while (pos < expected_pcrs.size()) {
    size_t comma = expected_pcrs.find(',', pos);
    std::string part = expected_pcrs.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t eq = part.find('=');
    auto value = eq == std::string::npos ? Result<Bytes>(Code::kInvalidArgument, "") : HexDecode(part.substr(eq + 1));
    auto one = eq == std::string::npos ? Result<TPML_PCR_SELECTION>(Code::kInvalidArgument, "")
                                       : tpm::ParsePcrSelection(part.substr(0, eq));
    if (!value.ok() || value->size() != 32 || !one.ok() || tpm::SelectedPcrCount(*one) != 1) {
      return Status(Code::kInvalidArgument, "expected PCR value '" + part + "' is not PCR=<64 hex digits>");
    }
    given[std::stoi(part.substr(0, eq))] = *value;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  std::vector<Bytes> values;
  const TPMS_PCR_SELECTION& s = selection.pcrSelections[0];
  for (int pcr = 0; pcr < 8 * s.sizeofSelect; ++pcr) {
    if ((s.pcrSelect[pcr / 8] & (1u << (pcr % 8))) == 0) continue;
    auto it = given.find(pcr);
    if (it == given.end()) {
      return Status(Code::kInvalidArgument,
                    "no expected value for PCR " + std::to_string(pcr) + " of " + tpm::PcrSelectionText(selection));
    }
    values.push_back(it->second);
    given.erase(it);
  }
  if (!given.empty()) {
    return Status(Code::kInvalidArgument, "expected value for PCR " + std::to_string(given.begin()->first) +
                                              ", which is not in " + tpm::PcrSelectionText(selection));
  }
  CF_ASSIGN_OR_RETURN(auto tpm, tpm::TpmContext::Open(tpm::ResolveTcti(options.tpm_tcti), options.directory));
  return tpm::PrepareNextBootState(*tpm, options.directory, selection, values);
}

Status ResealTpmToCurrentBootState(const EnclaveOptions& options) {
  CF_ASSIGN_OR_RETURN(TPML_PCR_SELECTION selection, tpm::ParsePcrSelection(options.tpm_pcrs));
  CF_ASSIGN_OR_RETURN(auto tpm, tpm::TpmContext::Open(tpm::ResolveTcti(options.tpm_tcti), options.directory));
  return tpm::ResealToCurrentBootState(*tpm, options.directory, selection);
}

}  // namespace cf::attest
