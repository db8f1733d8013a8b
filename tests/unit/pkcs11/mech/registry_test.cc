// Registry behaviour: sorted rows, lookup, replacement, and the process-wide instance being built once.
#include "pkcs11/mech/registry.h"

#include <gtest/gtest.h>

#include "pkcs11/mech/families.h"

namespace cf::p11 {
namespace {

MechanismRow Row(CK_MECHANISM_TYPE type, const char* name) {
  return MechanismRow{.type = type, .name = name, .info = {}, .key_types = {}, .create = nullptr};
}

TEST(Registry, FindsRowsAddedInAnyOrderAndListsTypesSorted) {
  Registry r;
  r.Add(Row(CKM_SHA256, "CKM_SHA256"));
  r.Add(Row(CKM_RSA_PKCS, "CKM_RSA_PKCS"));
  r.Add(Row(CKM_ECDSA, "CKM_ECDSA"));
  ASSERT_NE(r.Find(CKM_ECDSA), nullptr);
  EXPECT_STREQ(r.Find(CKM_ECDSA)->name, "CKM_ECDSA");
  EXPECT_EQ(r.Find(CKM_AES_GCM), nullptr);
  std::vector<CK_MECHANISM_TYPE> want = {CKM_RSA_PKCS, CKM_SHA256, CKM_ECDSA};
  EXPECT_EQ(r.Types(), want);
}

TEST(Registry, LaterAddReplacesSameType) {
  Registry r;
  r.Add(Row(CKM_SHA256, "first"));
  r.Add(Row(CKM_SHA256, "second"));
  EXPECT_EQ(r.Types().size(), 1u);
  EXPECT_STREQ(r.Find(CKM_SHA256)->name, "second");
}

TEST(Registry, GetReturnsTheSameInstance) { EXPECT_EQ(&Registry::Get(), &Registry::Get()); }

}  // namespace
}  // namespace cf::p11
