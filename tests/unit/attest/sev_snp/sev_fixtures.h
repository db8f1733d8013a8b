// The genuine AMD Milan data of tests/fixtures/sev-snp as the tests need it: the raw report, the ARK/ASK/VCEK
// in DER, and a host certificate table built from them (no recorded table exists in the fixtures).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "attest/sev_snp/cert_table.h"
#include "attest/verify_sev.h"
#include "common/atomic_file.h"
#include "common/x509_der.h"

namespace cf::attest::snp::testing {

inline Bytes Fixture(const std::string& name) {
  auto b = ReadFile(std::string(CF_SEV_FIXTURES) + "/" + name);
  EXPECT_TRUE(b.ok()) << name << ": " << b.status().ToString();
  return b.ok() ? *b : Bytes();
}

// DER whatever the file's encoding (the ARK and ASK fixtures are PEM).
inline Bytes FixtureDer(const std::string& name) {
  auto cert = ParseCertificate(Fixture(name));
  EXPECT_TRUE(cert.ok()) << name << ": " << cert.status().ToString();
  if (!cert.ok()) return Bytes();
  auto der = ossl::CertificateDer(cert->get());
  return der.ok() ? *der : Bytes();
}

struct MilanData {
  Bytes report = Fixture("milan/report.bin");
  Bytes vcek = FixtureDer("milan/vcek.der");
  Bytes ask = FixtureDer("ark-ask/milan-ask.pem");
  Bytes ark = FixtureDer("ark-ask/milan-ark.pem");
  // The order a host might use; the parser must not care.
  Bytes Table() const { return BuildCertTable({{kVcekGuid, vcek}, {kAskGuid, ask}, {kArkGuid, ark}}); }
};

inline constexpr char kMilanMeasurement[] =
    "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f";

}  // namespace cf::attest::snp::testing
