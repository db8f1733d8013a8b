// Fuzz target: what a network client sends the Certifier Service — a serialized trust_request_message — through
// Service::Handle, the whole flow: parse, verify evidence (simulated and SEV-SNP), appraise against a policy that
// trusts the seed corpus's simulated platform key and measurement, check freshness, issue a certificate.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "certifier/admission_cert.h"
#include "certifier/policy_text.h"
#include "certifier/service.h"
#include "fuzz_clock.h"
#include "proto/key_codec.h"
#include "quiet_protobuf.h"

namespace {

cf::Result<cf::Bytes> ReadPlatformKey(const std::string&) {
  std::ifstream in(std::string(CF_FUZZ_DATA_DIR) + "/platform_key.bin", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) return cf::Status(cf::Code::kNotFound, "no platform_key.bin in " CF_FUZZ_DATA_DIR);
  return cf::ToBytes(bytes);
}

std::unique_ptr<cf::certifier::Service> MakeService() {
  using namespace cf;
  auto policy_key = keys::GenerateKeyMessage("ecc-256", "policyKey");
  if (!policy_key.ok()) return nullptr;
  auto pkey = keys::PKeyFromKeyMessage(*policy_key);
  auto cert = certifier::MakePolicyCertificate(pkey->get(), "fuzz-domain", fuzz::kFuzzNow - 60, 3600 * 24);
  std::string text = std::string("trust-measurement ") + fuzz::kFuzzMeasurementHex +
                     "\ntrust-platform-key platform.key\nadmission-validity-days 30\n";
  auto policy = certifier::CompilePolicy(text, *policy_key, ReadPlatformKey, fuzz::kFuzzNow);
  if (!cert.ok() || !policy.ok()) return nullptr;
  certifier::ServiceOptions options;
  options.policy_key = *policy_key;
  options.policy_cert_der = *cert;
  options.signed_policy = ToBytes(policy->SerializeAsString());
  options.replay_cache_entries = 1024;
  auto service = certifier::Service::Create(options, fuzz::kFuzzNow);
  return service.ok() ? std::move(service).value() : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<cf::certifier::Service> service = MakeService();
  if (!service) __builtin_trap();  // a broken set-up must not pass as "no crash found"
  (void)service->Handle(cf::ByteView(data, size), cf::fuzz::kFuzzNow);
  return 0;
}
