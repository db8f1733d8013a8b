// Fuzz target: a certificate as a host or a client supplies it (VCEK/VLEK, ASK, a policy or admission
// certificate): ParseCertificate (DER or PEM), ReadVcekFacts (AMD's extensions) and the chain check against the
// genuine Milan ARK and ASK.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "attest/verify_sev.h"

namespace {

cf::ossl::X509Ptr Fixture(const char* name) {
  std::ifstream in(std::string(CF_SEV_FIXTURES) + "/ark-ask/" + name, std::ios::binary);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto cert = cf::attest::ParseCertificate(cf::AsBytes(pem));
  return cert.ok() ? std::move(cert).value() : cf::ossl::X509Ptr();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static cf::ossl::X509Ptr ark = Fixture("milan-ark.pem");
  static cf::ossl::X509Ptr ask = Fixture("milan-ask.pem");
  auto cert = cf::attest::ParseCertificate(cf::ByteView(data, size));
  if (!cert.ok()) return 0;
  (void)cf::attest::ReadVcekFacts(cert->get());
  if (ark && ask) (void)cf::attest::VerifySevChain(ark.get(), ask.get(), cert->get(), 1700000000);
  return 0;
}
