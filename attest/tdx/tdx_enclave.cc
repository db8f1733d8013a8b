// The TDX Enclave: a quote per attestation, checked before it leaves (it parses and carries the REPORTDATA asked
// for), sent as a "tdx-attestation" item (sev_attestation_message fields: what_was_said, the raw quote).
#include "attest/tdx/tdx_enclave.h"

#include <algorithm>

#include "attest/sev_snp/configfs_tsm_source.h"
#include "attest/tdx/quote.h"
#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::attest {
namespace {

constexpr char kNoSealing[] =
    "Intel TDX gives a guest no sealing key (no EGETKEY/MSG_KEY_REQ counterpart): keep the token's keys with the "
    "simulated enclave's sealing, or have a key broker release a key to this TD after attestation";

class TdxEnclave : public Enclave {
 public:
  explicit TdxEnclave(std::unique_ptr<snp::ReportSource> source) : source_(std::move(source)) {}

  Status Init() {
    CF_ASSIGN_OR_RETURN(snp::FetchedReport fetched, source_->Fetch(snp::ReportData{}));
    auto quote = tdx::ParseQuote(fetched.report);
    if (!quote.ok()) return quote.status().Annotate(source_->Describe());
    measurement_.assign(quote->body.mr_td.begin(), quote->body.mr_td.end());
    return Status::Ok();
  }

  const std::string& type() const override { return type_; }
  const Bytes& measurement() const override { return measurement_; }

  Result<Bytes> Seal(ByteView) override { return Status(Code::kUnimplemented, kNoSealing); }
  Result<SecureBytes> Unseal(ByteView) override { return Status(Code::kUnimplemented, kNoSealing); }

  Result<Bytes> Attest(ByteView what_to_say) override {
    snp::ReportData report_data{};
    unsigned int len = 0;
    if (EVP_Digest(what_to_say.data(), what_to_say.size(), report_data.data(), &len, ossl::FetchedDigest("SHA2-384"),
                   nullptr) != 1) {
      return ossl::Error("SHA-384 of the user data");
    }
    CF_ASSIGN_OR_RETURN(snp::FetchedReport fetched, source_->Fetch(report_data));
    CF_ASSIGN_OR_RETURN(tdx::Quote quote, tdx::ParseQuote(fetched.report));
    if (!std::equal(report_data.begin(), report_data.end(), quote.body.report_data.begin())) {
      return Status(Code::kIoError, source_->Describe() + " returned a quote for other REPORTDATA");
    }
    if (quote.trailing_bytes != 0) fetched.report.resize(quote.quote_size);  // only the quote, never padding
    wire::sev_attestation_message msg;
    msg.set_what_was_said(AsString(what_to_say));
    msg.set_reported_attestation(AsString(fetched.report));
    return ToBytes(msg.SerializeAsString());
  }

  // The PCK chain travels inside the quote: nothing goes before it.
  Result<std::vector<wire::evidence>> PlatformEvidence() override { return std::vector<wire::evidence>(); }
  std::string evidence_type() const override { return "tdx-platform-package"; }

 private:
  std::unique_ptr<snp::ReportSource> source_;
  std::string type_ = kTdxEnclave;
  Bytes measurement_;
};

}  // namespace

Result<std::unique_ptr<Enclave>> OpenTdxEnclaveWith(std::unique_ptr<snp::ReportSource> source) {
  auto enclave = std::make_unique<TdxEnclave>(std::move(source));
  CF_RETURN_IF_ERROR(enclave->Init());
  return std::unique_ptr<Enclave>(std::move(enclave));
}

Result<std::unique_ptr<Enclave>> OpenTdxEnclave(const EnclaveOptions& options) {
  (void)options;
  snp::ConfigfsTsmOptions tsm;
  tsm.provider = "tdx_guest";
  tsm.platform_name = "Intel TDX";
  tsm.outblob_size = 0;  // quotes vary in size
  auto source = snp::OpenConfigfsTsmSource(tsm);
  if (!source.ok()) {
    return Status(Code::kUnimplemented, "not running in an Intel TDX guest: " + source.status().message() +
                                            " (TDX quotes need configfs-tsm, Linux 6.7 or later)");
  }
  return OpenTdxEnclaveWith(std::move(source).value());
}

}  // namespace cf::attest
