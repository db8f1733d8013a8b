// The framework's simulated enclave over its platform files: Attest signs a vse attestation report with the
// attestation key (RSA-2048, PKCS#1 v1.5 SHA-256), Seal/Unseal use the framework's constant key with the
// measurement as prefix. No counter: the framework's files have none (its notes call rollback a denial of service).
#include "attest/cf_compat/framework_simulated_enclave.h"

#include "attest/cf_compat/framework_sealing.h"
#include "attest/simulated/report.h"
#include "attest/simulated/rsa_keys.h"
#include "common/atomic_file.h"
#include "proto/key_codec.h"

namespace cf::attest::cfcompat {
namespace {

constexpr size_t kMaxPlatformFile = 1u << 20;

class FrameworkSimulatedEnclave final : public Enclave {
 public:
  FrameworkSimulatedEnclave(ossl::PKey attest_key, wire::key_message attest_public, Bytes measurement,
                            wire::signed_claim_message endorsement)
      : attest_key_(std::move(attest_key)),
        attest_public_(std::move(attest_public)),
        measurement_(std::move(measurement)),
        endorsement_(std::move(endorsement)) {}

  const std::string& type() const override { return type_; }
  const Bytes& measurement() const override { return measurement_; }
  Result<Bytes> Seal(ByteView secret) override { return FrameworkSeal(SimulatedSealingKey(), measurement_, secret); }
  Result<SecureBytes> Unseal(ByteView sealed) override {
    return FrameworkUnseal(SimulatedSealingKey(), measurement_, sealed);
  }
  Result<Bytes> Attest(ByteView what_to_say) override {
    return simulated::SignedReport(attest_key_.get(), attest_public_, measurement_, what_to_say);
  }
  Result<std::vector<wire::evidence>> PlatformEvidence() override {
    wire::evidence ev;
    ev.set_evidence_type("signed-claim");
    ev.set_serialized_evidence(endorsement_.SerializeAsString());
    return std::vector<wire::evidence>{ev};
  }
  std::string evidence_type() const override { return "vse-attestation-package"; }

 private:
  std::string type_ = kSimulatedEnclave;
  ossl::PKey attest_key_;
  wire::key_message attest_public_;
  Bytes measurement_;
  wire::signed_claim_message endorsement_;
};

Result<Bytes> ReadPlatformFile(const std::string& path, const char* flag) {
  auto data = ReadFile(path, kMaxPlatformFile);
  if (!data.ok()) return data.status().Annotate("reading the framework's " + std::string(flag) + " '" + path + "'");
  return data;
}

}  // namespace

Result<std::unique_ptr<Enclave>> OpenFrameworkSimulatedEnclave(const FrameworkPlatformFiles& files) {
  CF_ASSIGN_OR_RETURN(Bytes key_bytes, ReadPlatformFile(files.attest_key_file, "--attest_key_file"));
  CF_ASSIGN_OR_RETURN(Bytes measurement, ReadPlatformFile(files.measurement_file, "--measurement_file"));
  CF_ASSIGN_OR_RETURN(Bytes endorsement_bytes,
                      ReadPlatformFile(files.endorsement_file, "--platform_attest_endorsement_file"));
  wire::key_message attest_key;
  bool parsed = attest_key.ParseFromArray(key_bytes.data(), static_cast<int>(key_bytes.size()));
  OPENSSL_cleanse(key_bytes.data(), key_bytes.size());
  if (!parsed || attest_key.key_type() != "rsa-2048-private")
    return Status(Code::kInvalidArgument, "--attest_key_file '" + files.attest_key_file +
                                              "' is not a serialized rsa-2048-private key_message (the framework's "
                                              "simulated attestation key)");
  attest_key.set_key_name("attestKey");  // the framework renames it so on load
  auto pkey = keys::PKeyFromKeyMessage(attest_key);
  OPENSSL_cleanse(attest_key.mutable_rsa_key()->mutable_private_exponent()->data(),
                  attest_key.rsa_key().private_exponent().size());
  if (!pkey.ok()) return pkey.status().Annotate("--attest_key_file '" + files.attest_key_file + "'");
  CF_ASSIGN_OR_RETURN(wire::key_message attest_public, keys::PublicKeyMessage(attest_key));
  if (measurement.empty())
    return Status(Code::kInvalidArgument, "--measurement_file '" + files.measurement_file + "' is empty");
  wire::signed_claim_message endorsement;
  if (!endorsement.ParseFromArray(endorsement_bytes.data(), static_cast<int>(endorsement_bytes.size())) ||
      !endorsement.has_signing_key())
    return Status(Code::kInvalidArgument, "--platform_attest_endorsement_file '" + files.endorsement_file +
                                              "' is not a serialized signed_claim_message");
  return std::unique_ptr<Enclave>(new FrameworkSimulatedEnclave(std::move(pkey).value(), std::move(attest_public),
                                                                std::move(measurement), std::move(endorsement)));
}

}  // namespace cf::attest::cfcompat
