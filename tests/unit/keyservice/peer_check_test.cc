// The admission rule for a certificate in hand: admitted under its own domain while valid, refused with the
// reason otherwise; and LoadCredentials refuses to start a peer whose own certificate would be refused.
#include "keyservice/peer_check.h"

#include "domain_fixture.h"
#include "keyservice/credentials.h"

namespace cf::keysvc::testing {
namespace {

const std::string kMeasurement(64, 'a');

TEST(PeerCheck, AdmitsACertificateOfItsDomainAndNamesTheMeasurement) {
  TestDomain domain("domain-a");
  Credentials vm = domain.AdmitNow(kMeasurement);
  auto peer = VerifyAdmissionCertificate(vm.admission_certificate, domain.certificate(), NowSeconds());
  ASSERT_TRUE(peer.ok()) << peer.status().ToString();
  EXPECT_EQ(peer->measurement, kMeasurement);
  EXPECT_NE(peer->subject.find("CertifierUsers"), std::string::npos) << peer->subject;
}

TEST(PeerCheck, RefusesAnotherDomainsCertificate) {
  TestDomain a("domain-a"), b("domain-b");
  Credentials foreign = b.AdmitNow(kMeasurement);
  auto peer = VerifyAdmissionCertificate(foreign.admission_certificate, a.certificate(), NowSeconds());
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().code(), Code::kPermissionDenied);
  EXPECT_NE(peer.status().message().find("another policy domain"), std::string::npos) << peer.status().message();
}

TEST(PeerCheck, RefusesAnExpiredOrNotYetValidCertificate) {
  TestDomain domain("domain-a");
  Credentials old = domain.Admit(kMeasurement, NowSeconds() - 7200, 3600);
  auto expired = VerifyAdmissionCertificate(old.admission_certificate, domain.certificate(), NowSeconds());
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos) << expired.status().message();
  auto early = VerifyAdmissionCertificate(domain.AdmitNow(kMeasurement).admission_certificate, domain.certificate(),
                                          NowSeconds() - 3600);
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("not valid yet"), std::string::npos) << early.status().message();
}

TEST(PeerCheck, RefusesBytesThatAreNoCertificate) {
  TestDomain domain("domain-a");
  Bytes garbage = {0x30, 0x03, 0x02, 0x01};
  auto peer = VerifyAdmissionCertificate(garbage, domain.certificate(), NowSeconds());
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().code(), Code::kCorrupt);
}

}  // namespace
}  // namespace cf::keysvc::testing
