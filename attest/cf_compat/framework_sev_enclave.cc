// Decorates an SEV-SNP Enclave with the framework's sealing. The derived key is asked for at every Seal/Unseal
// (as the framework does) and wiped after use.
#include "attest/cf_compat/framework_sev_enclave.h"

#include <unistd.h>

#include "attest/cf_compat/framework_sealing.h"
#include "attest/sev_snp/report_source.h"
#include "attest/sev_snp/sev_enclave.h"
#include "attest/sev_snp/sev_guest_device.h"

namespace cf::attest::cfcompat {
namespace {

class FrameworkSevEnclave final : public Enclave {
 public:
  FrameworkSevEnclave(std::unique_ptr<Enclave> sev, DerivedKeySource derived_key)
      : sev_(std::move(sev)), derived_key_(std::move(derived_key)) {}

  const std::string& type() const override { return sev_->type(); }
  const Bytes& measurement() const override { return sev_->measurement(); }
  Result<Bytes> Seal(ByteView secret) override {
    CF_ASSIGN_OR_RETURN(SecureBytes key, SealingKey());
    return FrameworkSeal(key, {}, secret);
  }
  Result<SecureBytes> Unseal(ByteView sealed) override {
    CF_ASSIGN_OR_RETURN(SecureBytes key, SealingKey());
    return FrameworkUnseal(key, {}, sealed);
  }
  Result<Bytes> Attest(ByteView what_to_say) override { return sev_->Attest(what_to_say); }
  Result<std::vector<wire::evidence>> PlatformEvidence() override { return sev_->PlatformEvidence(); }
  std::string evidence_type() const override { return sev_->evidence_type(); }

 private:
  Result<SecureBytes> SealingKey() {
    CF_ASSIGN_OR_RETURN(SecureBytes derived, derived_key_());
    return SevSealingKeyFromDerivedKey(derived);
  }

  std::unique_ptr<Enclave> sev_;
  DerivedKeySource derived_key_;
};

}  // namespace

std::unique_ptr<Enclave> WrapWithFrameworkSevSealing(std::unique_ptr<Enclave> sev, DerivedKeySource derived_key) {
  return std::make_unique<FrameworkSevEnclave>(std::move(sev), std::move(derived_key));
}

Result<std::unique_ptr<Enclave>> OpenFrameworkSevEnclave(const std::string& cert_directory) {
  const snp::ReportSourceOptions defaults;
  if (access(defaults.device.c_str(), F_OK) != 0)
    return Status(Code::kUnimplemented, "the framework's SEV-SNP sealing needs " + defaults.device +
                                            " (SNP_GET_DERIVED_KEY), which this machine does not have: not an "
                                            "SEV-SNP guest");
  CF_ASSIGN_OR_RETURN(std::shared_ptr<snp::SevGuestDevice> device, snp::SevGuestDevice::Open(defaults.device));
  std::unique_ptr<snp::ReportSource> source;
  if (access(defaults.tsm_root.c_str(), F_OK) != 0) {
    source = snp::DeviceReportSource(device, 0);
  } else {
    CF_ASSIGN_OR_RETURN(source, snp::OpenReportSource(defaults));
  }
  CF_ASSIGN_OR_RETURN(std::unique_ptr<Enclave> sev, OpenSevEnclaveWith(std::move(source), device, cert_directory));
  return WrapWithFrameworkSevSealing(std::move(sev), [device] { return device->DerivedKey(); });
}

}  // namespace cf::attest::cfcompat
