// Issue 11: every refusal of the key-protection rules leaves a warning naming the function, the CKR_ code and the
// reason (pkcs11/abi/general.cc Log), so an administrator sees an attempt to take a key out or widen its use. The
// module's stderr is captured around each attempt; CF_PKCS11_DEBUG sends its log there (read once, at its first line).
#include <unistd.h>

#include <cstdio>

#include "framework_fixture.h"
#include "p11_fixture.h"

namespace cf::p11::test {
namespace {

const bool kLogToStderr = (::setenv("CF_PKCS11_DEBUG", "1", 1), true);

class RefusalLogTest : public FrameworkEntryTest {
 protected:
  // Runs `attempt` with fd 2 sent to a file and returns what the module wrote there.
  template <typename Fn>
  std::string StderrOf(Fn attempt) {
    std::string path = dir_ + "/stderr.log";
    std::fflush(stderr);
    int saved = dup(2);
    FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr || saved < 0) return "";
    dup2(fileno(f), 2);
    attempt();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::fclose(f);
    std::string out = ReadText(path);
    std::remove(path.c_str());
    return out;
  }
};

TEST_F(RefusalLogTest, RefusalsAreLoggedAsWarningsWithTheirReason) {
  ASSERT_TRUE(kLogToStderr);
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE key, copy;
  ASSERT_EQ(GenerateAes(s, {Bool(CKA_WRAP, true), Bool(CKA_DECRYPT, false)}, &key), CKR_OK);
  std::string read = StderrOf([&] {
    std::vector<unsigned char> v;
    EXPECT_EQ(GetAttr(s, key, CKA_VALUE, &v), CKR_ATTRIBUTE_SENSITIVE);
  });
  EXPECT_NE(read.find("warning: cf-pkcs11: refused C_GetAttributeValue -> CKR_ATTRIBUTE_SENSITIVE"), std::string::npos)
      << read;
  std::string widened = StderrOf([&] {
    std::vector<Attr> t = {Bool(CKA_DECRYPT, true)};
    auto v = View(t);
    EXPECT_EQ(f_->C_CopyObject(s, key, v.data(), v.size(), &copy), CKR_ATTRIBUTE_READ_ONLY);
  });
  EXPECT_NE(widened.find("refused C_CopyObject -> CKR_ATTRIBUTE_READ_ONLY"), std::string::npos) << widened;
  EXPECT_NE(widened.find("CKA_DECRYPT"), std::string::npos) << "the reason names the attribute: " << widened;
  ASSERT_TRUE(PutFile("vault", "binary-blob", {'s'}));
  auto vault = Find(s, {Str(CKA_LABEL, "vault")});
  ASSERT_EQ(vault.size(), 1u);
  std::string withheld = StderrOf([&] {
    std::vector<unsigned char> v;
    EXPECT_EQ(GetAttr(s, vault[0], CKA_VALUE, &v), CKR_ATTRIBUTE_SENSITIVE);
  });
  EXPECT_NE(withheld.find("framework secret that is not exportable"), std::string::npos) << withheld;
  EXPECT_EQ(withheld.find("'s'"), std::string::npos) << "no secret in the log";
}

}  // namespace
}  // namespace cf::p11::test
