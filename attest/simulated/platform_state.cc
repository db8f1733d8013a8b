// Creation and loading of the simulated platform state file (cf_pkcs11.SimulatedPlatform), and the platform's
// signed claim in the framework's shape (vse-clause, signed by platformKey with rsa-2048-sha256-pkcs-sign).
#include "attest/simulated/platform_state.h"

#include "attest/simulated/rsa_keys.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/random.h"
#include "common/time_text.h"
#include "proto/cf_pkcs11.pb.h"

namespace cf::attest::simulated {
namespace {

constexpr int64_t kClaimValiditySeconds = 5LL * 365 * 24 * 3600;

wire::entity_message KeyEntity(const wire::key_message& key) {
  wire::entity_message e;
  e.set_entity_type("key");
  *e.mutable_key() = key;
  return e;
}

Result<wire::signed_claim_message> MakeAttestKeyClaim(EVP_PKEY* platform_key, const wire::key_message& platform_pub,
                                                      const wire::key_message& attest_pub) {
  wire::vse_clause trusted;
  *trusted.mutable_subject() = KeyEntity(attest_pub);
  trusted.set_verb("is-trusted-for-attestation");
  wire::vse_clause says;
  *says.mutable_subject() = KeyEntity(platform_pub);
  says.set_verb("says");
  *says.mutable_clause() = trusted;
  wire::claim_message claim;
  claim.set_claim_format("vse-clause");
  claim.set_claim_descriptor("platformKey says attestKey is-trusted-for-attestation");
  int64_t now = NowSeconds();
  claim.set_not_before(FormatTime(now));
  claim.set_not_after(FormatTime(now + kClaimValiditySeconds));
  claim.set_serialized_claim(says.SerializeAsString());
  wire::signed_claim_message signed_claim;
  signed_claim.set_serialized_claim_message(claim.SerializeAsString());
  *signed_claim.mutable_signing_key() = platform_pub;
  signed_claim.set_signing_algorithm(kRsaSigningAlgorithm);
  CF_ASSIGN_OR_RETURN(Bytes sig, SignRsaSha256(platform_key, AsBytes(signed_claim.serialized_claim_message())));
  signed_claim.set_signature(AsString(sig));
  return signed_claim;
}

Result<PlatformState> CreatePlatform(const EnclaveOptions& options, const std::string& file) {
  CF_RETURN_IF_ERROR(MakeDirectories(options.directory, 0700));
  PlatformState state;
  CF_ASSIGN_OR_RETURN(state.sealing_key, RandomSecret(32));
  CF_ASSIGN_OR_RETURN(state.platform_key, GenerateRsa2048());
  CF_ASSIGN_OR_RETURN(state.attest_key, GenerateRsa2048());
  if (options.initial_measurement.empty()) {
    CF_ASSIGN_OR_RETURN(state.measurement, RandomBytes(32));
  } else {
    state.measurement = options.initial_measurement;
  }
  CF_ASSIGN_OR_RETURN(state.platform_public, PublicKeyMessage(state.platform_key.get(), "platformKey"));
  CF_ASSIGN_OR_RETURN(state.attest_public, PublicKeyMessage(state.attest_key.get(), "attestKey"));
  CF_ASSIGN_OR_RETURN(state.attest_key_claim,
                      MakeAttestKeyClaim(state.platform_key.get(), state.platform_public, state.attest_public));
  CF_ASSIGN_OR_RETURN(SecureBytes platform_der, PrivateKeyDer(state.platform_key.get()));
  CF_ASSIGN_OR_RETURN(SecureBytes attest_der, PrivateKeyDer(state.attest_key.get()));
  cf_pkcs11::SimulatedPlatform msg;
  msg.set_sealing_key(state.sealing_key.data(), state.sealing_key.size());
  msg.set_platform_key(platform_der.data(), platform_der.size());
  msg.set_attest_key(attest_der.data(), attest_der.size());
  msg.set_attest_key_claim(state.attest_key_claim.SerializeAsString());
  msg.set_measurement(AsString(state.measurement));
  SecureString serialized;
  serialized.resize(msg.ByteSizeLong());
  msg.SerializeToArray(serialized.data(), static_cast<int>(serialized.size()));
  CF_RETURN_IF_ERROR(WriteFileAtomic(file, AsBytes(std::string_view(serialized.data(), serialized.size())), 0600));
  log::Info("created simulated platform in '" + options.directory + "' (measurement " + HexEncode(state.measurement) +
            ")");
  return state;
}

}  // namespace

Result<PlatformState> LoadOrCreatePlatform(const EnclaveOptions& options) {
  if (options.directory.empty())
    return Status(Code::kInvalidArgument, "simulated enclave needs a platform directory (EnclaveOptions.directory)");
  const std::string file = options.directory + "/" + kStateFileName;
  auto raw = ReadFile(file, 1u << 20);
  if (!raw.ok() && raw.status().code() == Code::kNotFound) {
    if (!options.create_if_missing)
      return Status(Code::kNotFound, "no simulated platform at '" + file + "'; initialise it (create_if_missing)");
    return CreatePlatform(options, file);
  }
  if (!raw.ok()) return raw.status();
  SecureBytes bytes = ToSecure(*raw);
  OPENSSL_cleanse(raw->data(), raw->size());
  cf_pkcs11::SimulatedPlatform msg;
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || msg.sealing_key().size() != 32 ||
      msg.measurement().empty())
    return Status(Code::kCorrupt, "simulated platform file '" + file + "' is damaged (" + std::to_string(bytes.size()) +
                                      " bytes); restore it or make a new platform");
  PlatformState state;
  state.sealing_key = ToSecure(msg.sealing_key());
  CF_ASSIGN_OR_RETURN(state.platform_key, PrivateKeyFromDer(AsBytes(msg.platform_key())));
  CF_ASSIGN_OR_RETURN(state.attest_key, PrivateKeyFromDer(AsBytes(msg.attest_key())));
  CF_ASSIGN_OR_RETURN(state.platform_public, PublicKeyMessage(state.platform_key.get(), "platformKey"));
  CF_ASSIGN_OR_RETURN(state.attest_public, PublicKeyMessage(state.attest_key.get(), "attestKey"));
  if (!state.attest_key_claim.ParseFromString(msg.attest_key_claim()))
    return Status(Code::kCorrupt, "signed attestKey claim in '" + file + "' does not parse");
  state.measurement = ToBytes(msg.measurement());
  // The proto's own copies of the secrets are plain std::string: wipe them before they are freed.
  OPENSSL_cleanse(msg.mutable_sealing_key()->data(), msg.sealing_key().size());
  OPENSSL_cleanse(msg.mutable_platform_key()->data(), msg.platform_key().size());
  OPENSSL_cleanse(msg.mutable_attest_key()->data(), msg.attest_key().size());
  return state;
}

}  // namespace cf::attest::simulated
