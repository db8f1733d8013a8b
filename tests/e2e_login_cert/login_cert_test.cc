// C_Login per certification mode against a real cf-certifier: the first login certifies and stores the objects,
// later ones use the cache; required mode with a hung or closed service fails within the deadline without touching
// the PIN counter; a denial carries the service's reason; each failure has its own CKR_CF_* code.
#include "tests/e2e_login_cert/login_fixture.h"

namespace cf::attest {
namespace {

using Ms = std::chrono::milliseconds;

TEST_F(LoginCert, FirstLoginCertifiesAndStoresTheObjectsLaterLoginsUseTheCache) {
  MakeToken("platform");
  std::string log = dir_ + "/certifier.log";
  InitToken(Config("CERTIFICATION_CACHED", port_));
  int before = Admissions(log);
  CK_SESSION_HANDLE s = Open();
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  EXPECT_EQ(Admissions(log), before + 1);
  // The objects: auth key pair, admission certificate with the key's CKA_ID, policy CA certificate, evidence.
  auto cert = Find(s, CKO_CERTIFICATE, CF_PKCS11_LABEL_ADMISSION_CERT);
  ASSERT_EQ(cert.size(), 1u);
  EXPECT_EQ(AsString(Attr(s, cert[0], CKA_ID)), "auth-key");
  auto key = Find(s, CKO_PRIVATE_KEY, CF_PKCS11_LABEL_AUTH_KEY);
  ASSERT_EQ(key.size(), 1u);
  EXPECT_EQ(AsString(Attr(s, key[0], CKA_ID)), "auth-key");
  EXPECT_EQ(Attr(s, key[0], CKA_SENSITIVE), Bytes{CK_TRUE});
  EXPECT_EQ(Attr(s, key[0], CKA_EXTRACTABLE), Bytes{CK_FALSE});
  auto policy = Find(s, CKO_CERTIFICATE, CF_PKCS11_LABEL_POLICY_CERT);
  ASSERT_EQ(policy.size(), 1u);
  CK_ULONG authority = 2;
  EXPECT_EQ(Attr(s, policy[0], CKA_CERTIFICATE_CATEGORY),
            Bytes(reinterpret_cast<uint8_t*>(&authority), reinterpret_cast<uint8_t*>(&authority) + sizeof(authority)));
  auto evidence = Find(s, CKO_DATA, CF_PKCS11_LABEL_EVIDENCE);
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_EQ(AsString(Attr(s, evidence[0], CKA_APPLICATION)), CF_PKCS11_EVIDENCE_FORMAT);
  EXPECT_NE(AsString(Attr(s, evidence[0], CKA_VALUE)).find("authentication"), std::string::npos);
  // A second login (after logout, and in a fresh module instance) asks nobody.
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  ASSERT_EQ(Login(s), CKR_OK);
  ASSERT_EQ(Init(config_), CKR_OK);
  ASSERT_EQ(Login(Open()), CKR_OK);
  EXPECT_EQ(Admissions(log), before + 1) << "a cached login contacted the service";
}

TEST_F(LoginCert, RequiredWithAHungServiceFailsWithinTheDeadlineAndKeepsThePinCounter) {
  MakeToken("platform");
  SilentPort hung(true);
  InitToken(Config("CERTIFICATION_REQUIRED", hung.port, "certification_deadline_ms: 400"));
  CK_SESSION_HANDLE s = Open();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Login(s), CKR_CF_CERTIFIER_UNREACHABLE);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, Ms(350));
  EXPECT_LT(took, Ms(3000)) << "login waited far past certification_deadline_ms";
  EXPECT_EQ(f_->C_Logout(s), CKR_USER_NOT_LOGGED_IN) << "a failed certification left the user logged in";
  CK_TOKEN_INFO info;
  ASSERT_EQ(f_->C_GetTokenInfo(0, &info), CKR_OK);
  EXPECT_EQ(info.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED), 0u);
  EXPECT_NE(ModuleLog().find("CKR_CF_CERTIFIER_UNREACHABLE"), std::string::npos) << ModuleLog();
  EXPECT_NE(ModuleLog().find("certification_deadline_ms"), std::string::npos) << ModuleLog();
  // A wrong PIN is still a wrong PIN, counted, and never reaches the service.
  EXPECT_EQ(Login(s, "9999"), CKR_PIN_INCORRECT);
  // A closed port fails at once.
  SilentPort closed(false);
  ASSERT_EQ(Init(Config("CERTIFICATION_REQUIRED", closed.port, "certification_deadline_ms: 5000")), CKR_OK);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(Login(Open()), CKR_CF_CERTIFIER_UNREACHABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - start, Ms(2000));
}

TEST_F(LoginCert, RequiredCertifiesAtEveryLogin) {
  MakeToken("platform");
  std::string log = dir_ + "/certifier.log";
  InitToken(Config("CERTIFICATION_REQUIRED", port_));
  int before = Admissions(log);
  CK_SESSION_HANDLE s = Open();
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  ASSERT_EQ(f_->C_Logout(s), CKR_OK);
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  EXPECT_EQ(Admissions(log), before + 2);
}

TEST_F(LoginCert, CachedLogsInWithAStillValidCertificateWhenTheServiceIsDown) {
  MakeToken("platform");
  InitToken(Config("CERTIFICATION_CACHED", port_));
  ASSERT_EQ(Login(Open()), CKR_OK) << ModuleLog();
  // Renewal due at once (the whole validity is the window), and nobody answers.
  SilentPort closed(false);
  ASSERT_EQ(Init(Config("CERTIFICATION_CACHED", closed.port, "certification_renewal_percent: 100")), CKR_OK);
  EXPECT_EQ(Login(Open()), CKR_OK) << ModuleLog();
  EXPECT_NE(ModuleLog().find("logged in with the stored one, valid until"), std::string::npos) << ModuleLog();
}

TEST_F(LoginCert, DenialByPolicyIsItsOwnCodeWithTheServicesReason) {
  MakeToken("platform-other");
  InitToken(Config("CERTIFICATION_CACHED", port_));
  EXPECT_EQ(Login(Open()), CKR_CF_POLICY_DENIED);
  std::string text = ModuleLog();
  EXPECT_NE(text.find("CKR_CF_POLICY_DENIED"), std::string::npos) << text;
  EXPECT_NE(text.find("measurement " + other_measurement_ + " is not trusted"), std::string::npos) << text;
  EXPECT_NE(text.find("cf-policy compile"), std::string::npos) << text;
}

TEST_F(LoginCert, AMissingPolicyCertificateFileIsItsOwnCode) {
  MakeToken("platform");
  std::string config = Config("CERTIFICATION_CACHED", port_);
  config.replace(config.find(dir_ + "/policy_cert.der"), dir_.size() + 16, dir_ + "/no-such-policy.der");
  InitToken(config);
  EXPECT_EQ(Login(Open()), CKR_CF_POLICY_CERT_UNUSABLE);
  EXPECT_NE(ModuleLog().find("fix policy_certificate"), std::string::npos) << ModuleLog();
}

TEST_F(LoginCert, AnotherPolicysCertificateDoesNotCheck) {
  MakeToken("platform");
  int st = 0;
  std::string out = Shell(std::string(CF_POLICY_BIN) + " make-key --key-out " + tok_ + "-k.bin --cert-out " + tok_ +
                              "-c.der --domain other",
                          &st);
  ASSERT_EQ(st, 0) << out;
  std::string config = Config("CERTIFICATION_CACHED", port_);
  config.replace(config.find(dir_ + "/policy_cert.der"), dir_.size() + 16, tok_ + "-c.der");
  InitToken(config);
  CK_RV rv = Login(Open());
  // Our service refuses evidence bound to another policy key; a service that does not check would answer with a
  // certificate that is not signed by the configured policy key.
  EXPECT_TRUE(rv == CKR_CF_POLICY_DENIED || rv == CKR_CF_ADMISSION_CERT_INVALID) << std::hex << rv << ModuleLog();
}

TEST_F(LoginCert, AnAnswerThatIsNotACertifierServiceIsItsOwnCode) {
  MakeToken("platform");
  // A listener that answers every connection with a well-framed non-protobuf reply.
  SilentPort junk(true);
  std::thread server([&] {
    int c = accept(junk.fd, nullptr, nullptr);
    if (c < 0) return;
    uint8_t buf[4096];
    usleep(50000);
    (void)!read(c, buf, sizeof(buf));
    const uint8_t reply[] = {4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    (void)!write(c, reply, sizeof(reply));
    close(c);
  });
  InitToken(Config("CERTIFICATION_REQUIRED", junk.port, "certification_deadline_ms: 3000"));
  EXPECT_EQ(Login(Open()), CKR_CF_CERTIFIER_BAD_ANSWER) << ModuleLog();
  server.join();
}

TEST_F(LoginCert, AKeyRequiringAdmissionIsRefusedOnATokenWithoutCertification) {
  MakeToken("platform");
  InitToken(Config("CERTIFICATION_OFF", port_));
  CK_SESSION_HANDLE s = Open();
  ASSERT_EQ(Login(s), CKR_OK);
  CK_OBJECT_HANDLE guarded = EcKey(s, true), plain = EcKey(s, false);
  EXPECT_EQ(Sign(s, guarded), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(Sign(s, plain), CKR_OK);
  EXPECT_NE(ModuleLog().find("has CKA_CF_REQUIRES_ADMISSION and its token has certification off"), std::string::npos)
      << ModuleLog();
  // Never turned off again.
  CK_BBOOL no = CK_FALSE;
  CK_ATTRIBUTE off{CKA_CF_REQUIRES_ADMISSION, &no, 1};
  EXPECT_EQ(f_->C_SetAttributeValue(s, guarded, &off, 1), CKR_ATTRIBUTE_READ_ONLY);
  // On a certified token the same key signs.
  ASSERT_EQ(Init(Config("CERTIFICATION_CACHED", port_)), CKR_OK);
  s = Open();
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  EXPECT_EQ(Sign(s, guarded), CKR_OK);
}

}  // namespace
}  // namespace cf::attest
