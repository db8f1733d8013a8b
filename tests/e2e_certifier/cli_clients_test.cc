// The command-line clients against the real cf-certifier of CertifierProcess: cf-osutility --init-trust stores an
// admission certificate openssl accepts, is denied with the reason for an untrusted measurement (nothing stored),
// reports an unreachable service; cf-attest platform-key exports the key the policy trusts.
#include "tests/e2e_certifier/certifier_process.h"

namespace cf::attest {
namespace {

TEST_F(CertifierProcess, OsutilityInitTrustStoresAnAdmissionCertificateOpensslVerifies) {
  std::string osu =
      std::string(CF_OSUTILITY_BIN) + " --token-dir " + dir_ + "/tok --sealed-key-filename " + dir_ + "/platform";
  std::string certify = osu + " --init-trust --certifier-address 127.0.0.1:" + std::to_string(port_) +
                        " --policy-cert-file " + dir_ + "/policy_cert.der";
  int st = 0;
  std::string out = Shell(certify, &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_NE(out.find("(new auth key): stored 'admission-certificate' version 1"), std::string::npos) << out;
  out =
      Shell(osu + " --get-item --tag admission-certificate --type X509-der-cert --output-file " + dir_ +
                "/osu-admission.der && openssl x509 -inform der -in " + dir_ + "/osu-admission.der -out " + dir_ +
                "/osu-admission.pem && openssl x509 -inform der -in " + dir_ + "/policy_cert.der -out " + dir_ +
                "/osu-policy.pem && openssl verify -CAfile " + dir_ + "/osu-policy.pem " + dir_ + "/osu-admission.pem",
            &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("osu-admission.pem: OK"), std::string::npos) << out;
  out = Shell(certify, &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_NE(out.find("(existing auth key): stored 'admission-certificate' version 2"), std::string::npos) << out;
  out = Shell(osu + " --print-cryptstore", &st);
  EXPECT_NE(out.find("tag: auth-key\ttype: key-message-serialized-protobuf\tversion: 1"), std::string::npos) << out;
  EXPECT_EQ(out.find("tag: auth-key\ttype: key-message-serialized-protobuf\tversion: 2"), std::string::npos) << out;
  EXPECT_NE(out.find("exportable: no"), std::string::npos) << out;
}

TEST_F(CertifierProcess, OsutilityInitTrustDeniedForAnotherMeasurementSaysWhyAndStoresNothing) {
  std::string osu = std::string(CF_OSUTILITY_BIN) + " --token-dir " + dir_ + "/tok-other --sealed-key-filename " +
                    dir_ + "/platform-other";
  int st = 0;
  std::string out = Shell(osu + " --init-trust --certifier-address 127.0.0.1:" + std::to_string(port_) +
                              " --policy-cert-file " + dir_ + "/policy_cert.der",
                          &st);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << st << " " << out;
  EXPECT_NE(out.find("denied certification"), std::string::npos) << out;
  EXPECT_NE(out.find("measurement " + HexEncode(other_->measurement()) + " is not trusted"), std::string::npos) << out;
  out = Shell(osu + " --print-cryptstore", &st);
  EXPECT_NE(out.find("0 entries"), std::string::npos) << out;
}

TEST_F(CertifierProcess, OsutilityInitTrustAgainstAPortNobodyListensOnIsUnreachable) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);  // bound, never listening: refuses, and stays ours for the test
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  uint16_t port = ntohs(addr.sin_port);
  int st = 0;
  std::string out = Shell(std::string(CF_OSUTILITY_BIN) + " --token-dir " + dir_ + "/tok-unreachable " +
                              "--sealed-key-filename " + dir_ +
                              "/platform --init-trust --certifier-address "
                              "127.0.0.1:" +
                              std::to_string(port) + " --policy-cert-file " + dir_ + "/policy_cert.der",
                          &st);
  close(fd);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << st << " " << out;
  EXPECT_NE(out.find("cannot reach the Certifier Service at 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << out;
}

TEST_F(CertifierProcess, CfAttestExportsTheSimulatedPlatformKeyForCfPolicy) {
  int st = 0;
  std::string out = Shell(std::string(CF_ATTEST_BIN) + " platform-key --platform-dir " + dir_ + "/platform --out " +
                              dir_ + "/exported_platform_key.bin",
                          &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(*ReadFile(dir_ + "/exported_platform_key.bin"), *ReadFile(dir_ + "/platform_key.bin"));
  out = Shell(std::string(CF_ATTEST_BIN) + " platform-key --platform-dir " + dir_ + "/no-such-platform --out " + dir_ +
                  "/x.bin",
              &st);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << st << " " << out;
}

}  // namespace
}  // namespace cf::attest
