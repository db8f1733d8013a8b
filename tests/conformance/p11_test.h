// The parameterised GoogleTest fixture every conformance test derives from, and the small PKCS#11 helpers the
// tests share (sessions, login, attribute reads, finding by label, keys generated once per module). Helpers only
// call the module's function list; they assert nothing the test itself should state.
#ifndef CF_TESTS_CONFORMANCE_P11_TEST_H_
#define CF_TESTS_CONFORMANCE_P11_TEST_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "module_under_test.h"

namespace cf::conformance {

using Bytes = std::vector<CK_BYTE>;

class P11Test : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  CK_SESSION_HANDLE OpenSession(bool rw);
  CK_RV Login(CK_SESSION_HANDLE s, CK_USER_TYPE who, const char* pin);
  // A RW session with the user logged in (the common starting point of crypto tests).
  CK_SESSION_HANDLE UserSession();

  CK_ULONG GetUlong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  CK_BBOOL GetBool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  Bytes GetBytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  std::vector<CK_OBJECT_HANDLE> Find(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> tmpl);
  bool HasMechanism(CK_MECHANISM_TYPE type);
  // EXPECT_EQ(got, want), except that SoftHSMv2 returning its known deviation `softhsm_got` is reported on
  // stdout, not failed: the test states the specification's answer, the note names SoftHSM's.
  void ExpectRv(CK_RV got, CK_RV want, CK_RV softhsm_got, const char* deviation);

  // Session objects made per test (cheap) and token key pairs made once per module and found again by label
  // (RSA keygen is slow in SoftHSM). Return false and record a failure when the module refuses.
  CK_OBJECT_HANDLE MakeAesKey(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> extra = {});
  CK_OBJECT_HANDLE MakeDataObject(CK_SESSION_HANDLE s, const char* label, CK_BBOOL token, CK_BBOOL priv);
  // Shared token key pair: kind "rsa" (2048) or "ec" (P-256). Sets pub/priv; false if generation failed.
  bool SharedKeyPair(CK_SESSION_HANDLE s, const std::string& kind, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv);

  bool IsOurs() const { return m_->IsOurs(); }
  bool IsSoftHsm() const { return m_->IsSoftHsm(); }

  ModuleUnderTest* m_ = nullptr;
  CK_FUNCTION_LIST_PTR f_ = nullptr;
  CK_SLOT_ID slot_ = 0;
};

// A CK_ATTRIBUTE over a caller-owned value (the value must outlive the template).
template <typename T>
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, T& value) {
  return CK_ATTRIBUTE{type, &value, sizeof(value)};
}
CK_ATTRIBUTE AttrStr(CK_ATTRIBUTE_TYPE type, const char* text);
CK_ATTRIBUTE AttrBytes(CK_ATTRIBUTE_TYPE type, const Bytes& bytes);

inline CK_BBOOL kTrue = CK_TRUE;
inline CK_BBOOL kFalse = CK_FALSE;
inline CK_UTF8CHAR_PTR Pin(const char* pin) { return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin)); }

std::string ParamName(const ::testing::TestParamInfo<std::string>& info);

}  // namespace cf::conformance

// Every test file instantiates its fixture over both modules with the same names, so a ctest filter
// "*/ours" or "*/softhsm" selects one module.
#define CF_CONFORMANCE_INSTANTIATE(Suite)                                                                 \
  INSTANTIATE_TEST_SUITE_P(                                                                               \
      Modules, Suite,                                                                                     \
      ::testing::Values(std::string(::cf::conformance::kOurs), std::string(::cf::conformance::kSoftHsm)), \
      ::cf::conformance::ParamName)

// Skips when the module under test does not list the mechanism, naming both.
#define CF_REQUIRE_MECHANISM(mech)                                                                         \
  do {                                                                                                     \
    if (!HasMechanism(mech)) GTEST_SKIP() << m_->name << " does not list " #mech " in C_GetMechanismList"; \
  } while (0)

#endif  // CF_TESTS_CONFORMANCE_P11_TEST_H_
