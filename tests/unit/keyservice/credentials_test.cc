// LoadCredentials: finds the identity under our tags or the framework's names (CredentialTagsFor), says what to run
// when the store is not certified, and refuses to start with a certificate its peers would refuse.
#include "keyservice/credentials.h"

#include "domain_fixture.h"
#include "entries/entry_types.h"
#include "store_fixture.h"

namespace cf::keysvc::testing {
namespace {

using store::testing::StoreTest;

class CredentialsTest : public StoreTest {
 protected:
  // Writes `vm`'s auth key, admission certificate and policy certificate under `tags`.
  void Keep(store::Store& s, const Credentials& vm, const CredentialTags& tags) {
    auto key = keys::KeyMessageFromPKey(vm.auth_key.get(), /*include_private=*/true, tags.auth_key);
    ASSERT_TRUE(key.ok());
    Put(s, tags.auth_key, entries::kFrameworkKeyMessage, key->SerializeAsString());
    Put(s, tags.admission_certificate, entries::kFrameworkCertificate, AsString(vm.admission_certificate));
    Put(s, tags.policy_certificate, entries::kFrameworkCertificate, AsString(vm.policy_certificate));
  }
  static std::string AsString(const Bytes& b) { return std::string(b.begin(), b.end()); }
  static void Put(store::Store& s, const std::string& tag, const char* type, const std::string& blob) {
    store::NewEntry e = store::testing::MakeEntry(tag, blob);
    e.type = type;
    ASSERT_TRUE(s.Put(e).ok());
  }
  TestDomain domain_{"domain-a"};
};

TEST_P(CredentialsTest, FindsTheIdentityUnderTheFrameworksNames) {
  auto s = OpenOrDie();
  CredentialTags framework = CredentialTagsFor("datica");
  EXPECT_EQ(framework.admission_certificate, "datica-admission-certificate");
  EXPECT_EQ(framework.auth_key, "datica-private-auth-key");
  Keep(*s, domain_.AdmitNow(std::string(64, 'a')), framework);
  auto loaded = LoadCredentials(*s, framework, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_NE(loaded->subject.find("Measured-" + std::string(64, 'a')), std::string::npos) << loaded->subject;
  auto ours = LoadCredentials(*s, CredentialTagsFor(""), {});
  ASSERT_FALSE(ours.ok());
  EXPECT_EQ(ours.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(ours.status().message().find("'auth-key'"), std::string::npos) << ours.status().message();
  EXPECT_NE(ours.status().message().find("--init-trust"), std::string::npos) << ours.status().message();
}

TEST_P(CredentialsTest, RefusesToStartWithAnExpiredCertificate) {
  auto s = OpenOrDie();
  Keep(*s, domain_.Admit(std::string(64, 'a'), NowSeconds() - 7200, 3600), CredentialTagsFor(""));
  auto loaded = LoadCredentials(*s, CredentialTagsFor(""), {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("own admission certificate expired"), std::string::npos)
      << loaded.status().message();
}

TEST_P(CredentialsTest, APolicyCertificateGivenOverridesTheStoresAndMustMatch) {
  auto s = OpenOrDie();
  Keep(*s, domain_.AdmitNow(std::string(64, 'a')), CredentialTagsFor(""));
  TestDomain other("domain-b");
  auto loaded = LoadCredentials(*s, CredentialTagsFor(""), other.certificate());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("another policy domain"), std::string::npos) << loaded.status().message();
}

INSTANTIATE_TEST_SUITE_P(Sqlite, CredentialsTest, ::testing::Values(store::Backend::kSqlite),
                         store::testing::BackendName);

}  // namespace
}  // namespace cf::keysvc::testing
