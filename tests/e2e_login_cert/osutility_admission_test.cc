// Keys cf-osutility makes with --requires-admission: the token shows them with CKA_CF_REQUIRES_ADMISSION = TRUE and
// lets them sign only while it holds a valid admission certificate; a key made without the flag signs either way.
#include "tests/e2e_login_cert/login_fixture.h"

namespace cf::attest {
namespace {

class OsutilityAdmission : public LoginCert {
 protected:
  // cf-osutility on this test's token directory; fails the test with its stderr when it fails.
  void Osutility(const std::string& args) {
    int st = 0;
    std::string out = Shell(std::string(CF_OSUTILITY_BIN) + " --token-dir " + tok_ + " " + args, &st);
    ASSERT_EQ(st, 0) << out;
  }
  CK_OBJECT_HANDLE PrivateKey(CK_SESSION_HANDLE s, const std::string& label) {
    auto found = Find(s, CKO_PRIVATE_KEY, label);
    EXPECT_EQ(found.size(), 1u) << label;
    return found.empty() ? CK_INVALID_HANDLE : found[0];
  }
};

TEST_F(OsutilityAdmission, AKeyMadeWithRequiresAdmissionSignsOnlyOnceTheTokenIsCertified) {
  MakeToken("platform");
  InitToken(Config("CERTIFICATION_OFF", port_));
  Osutility("--generate-and-save-key --public-key-algorithm ecc-256 --tag os-guarded --requires-admission=true");
  Osutility("--generate-and-save-key --public-key-algorithm ecc-256 --tag os-plain");
  ASSERT_EQ(Init(Config("CERTIFICATION_OFF", port_)), CKR_OK);
  CK_SESSION_HANDLE s = Open();
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  CK_OBJECT_HANDLE guarded = PrivateKey(s, "os-guarded"), plain = PrivateKey(s, "os-plain");
  EXPECT_EQ(Attr(s, guarded, CKA_CF_REQUIRES_ADMISSION), Bytes{CK_TRUE});
  EXPECT_EQ(Attr(s, plain, CKA_CF_REQUIRES_ADMISSION), Bytes{CK_FALSE});
  EXPECT_EQ(Attr(s, guarded, CKA_EXTRACTABLE), Bytes{CK_FALSE}) << "--requires-admission keys are never exportable";
  // Without an admission certificate (certification off): the documented refusal, and the log says why.
  EXPECT_EQ(Sign(s, guarded), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(Sign(s, plain), CKR_OK);
  EXPECT_NE(ModuleLog().find("key 'os-guarded' has CKA_CF_REQUIRES_ADMISSION and its token has certification off"),
            std::string::npos)
      << ModuleLog();
  // Certified on C_Login: the same key signs.
  ASSERT_EQ(Init(Config("CERTIFICATION_CACHED", port_)), CKR_OK);
  s = Open();
  ASSERT_EQ(Login(s), CKR_OK) << ModuleLog();
  guarded = PrivateKey(s, "os-guarded");
  EXPECT_EQ(Sign(s, guarded), CKR_OK) << ModuleLog();
}

TEST_F(OsutilityAdmission, TheOsCannotReadAKeyRequiringAdmissionInClear) {
  MakeToken("platform");
  InitToken(Config("CERTIFICATION_OFF", port_));
  Osutility("--generate-and-save-key --public-key-algorithm ecc-256 --tag os-guarded --requires-admission");
  int st = 0;
  std::string out = Shell(std::string(CF_OSUTILITY_BIN) + " --token-dir " + tok_ +
                              " --get-item --tag os-guarded --output-format key-message-serialized-protobuf",
                          &st);
  EXPECT_NE(st, 0) << out;
  EXPECT_NE(out.find("requires admission"), std::string::npos) << out;
  out = Shell(std::string(CF_OSUTILITY_BIN) + " --token-dir " + tok_ +
                  " --get-item --tag os-guarded --output-format public-der --output-file " + tok_ + "/pub.der",
              &st);
  EXPECT_EQ(st, 0) << out;
  out = Shell(std::string(CF_OSUTILITY_BIN) + " --token-dir " + tok_ +
                  " --generate-and-save-key --public-key-algorithm ecc-256 --tag x --requires-admission --exportable",
              &st);
  EXPECT_EQ(WEXITSTATUS(st), 1) << "usage error expected: " << out;
}

}  // namespace
}  // namespace cf::attest
