// The SEV-SNP Enclave. Sealing uses a key the firmware derives from the VCEK bound to our measurement and guest
// policy, so only this launch opens it; configfs-tsm has no key derivation, hence the device for sealing. The
// certificate table of the latest report is kept (under a mutex: the token calls from many threads) so the
// platform evidence carries the VCEK the host gave for the TCB that report was signed at.
#include "attest/sev_snp/sev_enclave.h"

#include <unistd.h>

#include <mutex>

#include "attest/sev_snp/report.h"
#include "attest/sev_snp/sev_evidence.h"
#include "common/aead.h"
#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::attest {
namespace {

class SevEnclave : public Enclave {
 public:
  SevEnclave(std::unique_ptr<snp::ReportSource> source, std::shared_ptr<snp::SevGuestDevice> device,
             std::string directory)
      : source_(std::move(source)), device_(std::move(device)), directory_(std::move(directory)) {}

  Status Init() {
    // Any report tells the measurement (a launch constant), so its REPORT_DATA is not checked here.
    CF_ASSIGN_OR_RETURN(snp::FetchedReport fetched, source_->Fetch(snp::ReportData{}));
    auto report = snp::ParseReport(fetched.report);
    if (!report.ok()) return report.status().Annotate(source_->Describe());
    measurement_.assign(report->measurement.begin(), report->measurement.end());
    Remember(std::move(fetched), *report);
    return Status::Ok();
  }

  const std::string& type() const override { return type_; }
  const Bytes& measurement() const override { return measurement_; }

  Result<Bytes> Seal(ByteView secret) override {
    CF_ASSIGN_OR_RETURN(SecureBytes key, DerivedKey());
    return aead::Seal(key, secret, AsBytes("cf-pkcs11 sev seal"));
  }

  Result<SecureBytes> Unseal(ByteView sealed) override {
    CF_ASSIGN_OR_RETURN(SecureBytes key, DerivedKey());
    auto opened = aead::Open(key, sealed, AsBytes("cf-pkcs11 sev seal"));
    if (!opened.ok() && opened.status().code() == Code::kCorrupt) {
      return Status(Code::kUnauthenticated,
                    "sealed blob does not open with this chip's key for this measurement and policy");
    }
    return opened;
  }

  Result<Bytes> Attest(ByteView what_to_say) override {
    // REPORT_DATA = SHA-384(what_to_say) then 16 zero bytes (WIRE.md, SEV-SNP evidence).
    snp::ReportData report_data{};
    unsigned int len = 0;
    if (EVP_Digest(what_to_say.data(), what_to_say.size(), report_data.data(), &len, ossl::FetchedDigest("SHA2-384"),
                   nullptr) != 1) {
      return ossl::Error("SHA-384 of the user data");
    }
    CF_ASSIGN_OR_RETURN(snp::FetchedReport fetched, snp::FetchReportFor(*source_, report_data));
    CF_ASSIGN_OR_RETURN(snp::Report report, snp::ParseReport(fetched.report));
    wire::sev_attestation_message msg;
    msg.set_what_was_said(AsString(what_to_say));
    msg.set_reported_attestation(AsString(fetched.report));
    Remember(std::move(fetched), report);
    return ToBytes(msg.SerializeAsString());
  }

  Result<std::vector<wire::evidence>> PlatformEvidence() override {
    std::lock_guard<std::mutex> lock(mu_);
    return snp::SevPlatformEvidence(last_table_, directory_, &last_report_);
  }

  std::string evidence_type() const override { return "sev-platform-package"; }

 private:
  void Remember(snp::FetchedReport fetched, const snp::Report& report) {
    std::lock_guard<std::mutex> lock(mu_);
    last_table_ = std::move(fetched.cert_table);
    last_report_ = report;
  }

  Result<SecureBytes> DerivedKey() {
    if (!device_) {
      return Status(Code::kUnimplemented, std::string("sealing needs SNP_GET_DERIVED_KEY on ") + snp::kSevGuestDevice +
                                              ", which is not open here (reports come from " + source_->Describe() +
                                              ")");
    }
    return device_->DerivedKey();
  }

  std::unique_ptr<snp::ReportSource> source_;
  std::shared_ptr<snp::SevGuestDevice> device_;
  std::string directory_;
  std::string type_ = kSevEnclave;
  Bytes measurement_;
  std::mutex mu_;  // guards last_table_, last_report_
  Bytes last_table_;
  snp::Report last_report_;
};

}  // namespace

Result<std::unique_ptr<Enclave>> OpenSevEnclaveWith(std::unique_ptr<snp::ReportSource> source,
                                                    std::shared_ptr<snp::SevGuestDevice> device,
                                                    std::string cert_directory) {
  auto enclave = std::make_unique<SevEnclave>(std::move(source), std::move(device), std::move(cert_directory));
  CF_RETURN_IF_ERROR(enclave->Init());
  return std::unique_ptr<Enclave>(std::move(enclave));
}

Result<std::unique_ptr<Enclave>> OpenSevEnclave(const EnclaveOptions& options) {
  const snp::ReportSourceOptions defaults;
  std::shared_ptr<snp::SevGuestDevice> device;
  if (access(defaults.device.c_str(), F_OK) == 0) {
    CF_ASSIGN_OR_RETURN(device, snp::SevGuestDevice::Open(defaults.device));
  }
  std::unique_ptr<snp::ReportSource> source;
  if (device && access(defaults.tsm_root.c_str(), F_OK) != 0) {
    source = snp::DeviceReportSource(device, 0);  // one descriptor for reports and keys
  } else {
    CF_ASSIGN_OR_RETURN(source, snp::OpenReportSource(defaults));
  }
  return OpenSevEnclaveWith(std::move(source), std::move(device), options.directory);
}

}  // namespace cf::attest
