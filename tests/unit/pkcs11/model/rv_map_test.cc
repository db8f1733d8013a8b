// The one Status -> CK_RV map: a CK_RV in detail() wins, other layers' codes map by code, names for log lines.
#include "pkcs11/abi/rv_map.h"

#include <gtest/gtest.h>

#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11 {
namespace {

TEST(RvMapTest, DetailWinsOverCode) {
  EXPECT_EQ(ToRv(Rv(CKR_KEY_UNEXTRACTABLE, "x")), CKR_KEY_UNEXTRACTABLE);
  EXPECT_EQ(ToRv(Status::Ok()), CKR_OK);
}

TEST(RvMapTest, StoreAndEnclaveCodesMap) {
  EXPECT_EQ(ToRv(Status(Code::kUnauthenticated, "wrong pin")), CKR_PIN_INCORRECT);
  EXPECT_EQ(ToRv(Status(Code::kLocked, "locked")), CKR_PIN_LOCKED);
  EXPECT_EQ(ToRv(Status(Code::kCorrupt, "bad")), CKR_DEVICE_ERROR);
  EXPECT_EQ(ToRv(Status(Code::kRolledBack, "older copy")), CKR_DEVICE_ERROR);
  EXPECT_EQ(ToRv(Status(Code::kPermissionDenied, "ro")), CKR_TOKEN_WRITE_PROTECTED);
  EXPECT_EQ(ToRv(Status(Code::kUnimplemented, "no")), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(ToRv(Status(Code::kInternal, "bug")), CKR_GENERAL_ERROR);
}

TEST(RvMapTest, NamesForLogs) {
  EXPECT_STREQ(RvName(CKR_ATTRIBUTE_SENSITIVE), "CKR_ATTRIBUTE_SENSITIVE");
  EXPECT_STREQ(RvName(CKR_PIN_LOCKED), "CKR_PIN_LOCKED");
}

}  // namespace
}  // namespace cf::p11
