// In-process policy domains for key-service tests: a policy key and certificate made with the certifier library,
// and admission certificates issued under it with any validity, so tests reach expired, foreign and missing
// certificates without a Certifier Service (tests/e2e_keyservice does the same with real processes).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "certifier/admission_cert.h"
#include "common/time_text.h"
#include "keyservice/credentials.h"
#include "proto/key_codec.h"

namespace cf::keysvc::testing {

inline ossl::PKey NewKey() {
  auto message = keys::GenerateKeyMessage("ecc-256", "test-key");
  EXPECT_TRUE(message.ok());
  auto key = keys::PKeyFromKeyMessage(*message);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

class TestDomain {
 public:
  explicit TestDomain(const std::string& name) : key_(NewKey()) {
    auto der = certifier::MakePolicyCertificate(key_.get(), name, NowSeconds() - 60, 3600);
    EXPECT_TRUE(der.ok()) << der.status().ToString();
    cert_der_ = *der;
    const unsigned char* p = cert_der_.data();
    cert_.reset(d2i_X509(nullptr, &p, static_cast<long>(cert_der_.size())));
  }
  const Bytes& certificate() const { return cert_der_; }

  // Credentials of a VM admitted by this domain from not_before for validity seconds, trusting `anchor` (by
  // default this domain's policy certificate).
  Credentials Admit(const std::string& measurement_hex, int64_t not_before, int64_t validity,
                    const Bytes* anchor = nullptr) const {
    Credentials c;
    c.auth_key = NewKey();
    Bytes measurement = HexDecode(measurement_hex).value();
    certifier::AdmissionRequest request{.subject_key = c.auth_key.get(),
                                        .measurement = measurement,
                                        .platform = "simulated-enclave",
                                        .not_before = not_before,
                                        .validity_seconds = validity};
    auto der = certifier::IssueAdmissionCertificate(key_.get(), cert_.get(), request);
    EXPECT_TRUE(der.ok()) << der.status().ToString();
    c.admission_certificate = *der;
    c.policy_certificate = anchor != nullptr ? *anchor : cert_der_;
    return c;
  }
  Credentials AdmitNow(const std::string& measurement_hex) const {
    return Admit(measurement_hex, NowSeconds() - 60, 3600);
  }

 private:
  ossl::PKey key_;
  Bytes cert_der_;
  ossl::X509Ptr cert_;
};

}  // namespace cf::keysvc::testing
