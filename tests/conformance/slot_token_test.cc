// Slot and token management (PKCS#11 3.0 section 5.5): slot list, slot/token info, mechanism list and info, and
// C_InitToken's refusal while sessions are open. The token itself was initialised by the fixture.
#include <algorithm>
#include <cstring>
#include <vector>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class SlotTokenTest : public P11Test {};

constexpr CK_SLOT_ID kBogusSlot = 0x7fff1234;

TEST_P(SlotTokenTest, SlotListFollowsTheBufferProtocol) {
  EXPECT_EQ(f_->C_GetSlotList(CK_TRUE, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  CK_ULONG count = 0;
  ASSERT_EQ(f_->C_GetSlotList(CK_TRUE, nullptr, &count), CKR_OK);
  ASSERT_GE(count, 1u);
  std::vector<CK_SLOT_ID> slots(count + 1);
  CK_ULONG too_few = 0;
  // Section 5.5: too small a buffer is CKR_BUFFER_TOO_SMALL with the needed count.
  EXPECT_EQ(f_->C_GetSlotList(CK_TRUE, slots.data(), &too_few), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(too_few, count);
  CK_ULONG room = slots.size();
  ASSERT_EQ(f_->C_GetSlotList(CK_TRUE, slots.data(), &room), CKR_OK);
  EXPECT_EQ(room, count);
  slots.resize(room);
  EXPECT_NE(std::find(slots.begin(), slots.end(), slot_), slots.end());
  CK_ULONG all = 0;
  ASSERT_EQ(f_->C_GetSlotList(CK_FALSE, nullptr, &all), CKR_OK);
  EXPECT_GE(all, count);
}

TEST_P(SlotTokenTest, SlotInfoShowsTokenPresent) {
  CK_SLOT_INFO info{};
  ASSERT_EQ(f_->C_GetSlotInfo(slot_, &info), CKR_OK);
  EXPECT_TRUE(info.flags & CKF_TOKEN_PRESENT);
  EXPECT_EQ(std::memchr(info.slotDescription, 0, sizeof(info.slotDescription)), nullptr);
  EXPECT_EQ(f_->C_GetSlotInfo(slot_, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_GetSlotInfo(kBogusSlot, &info), CKR_SLOT_ID_INVALID);
}

TEST_P(SlotTokenTest, TokenInfoShowsInitialisedTokenWithLabelAndFlags) {
  CK_TOKEN_INFO info{};
  ASSERT_EQ(f_->C_GetTokenInfo(slot_, &info), CKR_OK);
  CK_UTF8CHAR label[32];
  std::memset(label, ' ', sizeof(label));
  std::memcpy(label, kTokenLabel, std::strlen(kTokenLabel));
  EXPECT_EQ(std::memcmp(info.label, label, sizeof(label)), 0);
  EXPECT_TRUE(info.flags & CKF_TOKEN_INITIALIZED);
  EXPECT_TRUE(info.flags & CKF_USER_PIN_INITIALIZED);
  EXPECT_TRUE(info.flags & CKF_LOGIN_REQUIRED);
  EXPECT_TRUE(info.flags & CKF_RNG);
  EXPECT_FALSE(info.flags & CKF_USER_PIN_LOCKED);
  EXPECT_EQ(std::memchr(info.serialNumber, 0, sizeof(info.serialNumber)), nullptr);
  EXPECT_EQ(std::memchr(info.manufacturerID, 0, sizeof(info.manufacturerID)), nullptr);
  EXPECT_LE(info.ulMinPinLen, 8u);
  EXPECT_GE(info.ulMaxPinLen, 8u);
  EXPECT_EQ(f_->C_GetTokenInfo(slot_, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_GetTokenInfo(kBogusSlot, &info), CKR_SLOT_ID_INVALID);
}

TEST_P(SlotTokenTest, TokenInfoCountsSessions) {
  CK_SESSION_HANDLE ro = OpenSession(false);
  CK_SESSION_HANDLE rw = OpenSession(true);
  ASSERT_NE(ro, CK_INVALID_HANDLE);
  ASSERT_NE(rw, CK_INVALID_HANDLE);
  CK_TOKEN_INFO info{};
  ASSERT_EQ(f_->C_GetTokenInfo(slot_, &info), CKR_OK);
  // CK_UNAVAILABLE_INFORMATION is allowed for the counts (section 3.2); when given they must be right.
  if (info.ulSessionCount != CK_UNAVAILABLE_INFORMATION) {
    EXPECT_EQ(info.ulSessionCount, 2u);
  }
  if (info.ulRwSessionCount != CK_UNAVAILABLE_INFORMATION) {
    EXPECT_EQ(info.ulRwSessionCount, 1u);
  }
}

TEST_P(SlotTokenTest, MechanismListFollowsTheBufferProtocolAndEveryEntryHasInfo) {
  CK_ULONG count = 0;
  EXPECT_EQ(f_->C_GetMechanismList(slot_, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_GetMechanismList(kBogusSlot, nullptr, &count), CKR_SLOT_ID_INVALID);
  ASSERT_EQ(f_->C_GetMechanismList(slot_, nullptr, &count), CKR_OK);
  ASSERT_GT(count, 5u);
  std::vector<CK_MECHANISM_TYPE> mechs(count);
  CK_ULONG too_few = 1;
  EXPECT_EQ(f_->C_GetMechanismList(slot_, mechs.data(), &too_few), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(too_few, count);
  ASSERT_EQ(f_->C_GetMechanismList(slot_, mechs.data(), &count), CKR_OK);
  for (CK_MECHANISM_TYPE mech : mechs) {
    CK_MECHANISM_INFO info{};
    ASSERT_EQ(f_->C_GetMechanismInfo(slot_, mech, &info), CKR_OK) << "mechanism 0x" << std::hex << mech;
    EXPECT_LE(info.ulMinKeySize, info.ulMaxKeySize) << "mechanism 0x" << std::hex << mech;
    EXPECT_NE(info.flags & ~CKF_EXTENSION, 0u) << "mechanism 0x" << std::hex << mech << " lists no function";
  }
}

TEST_P(SlotTokenTest, MechanismInfoRejectsUnknownMechanismAndBadArguments) {
  CK_MECHANISM_INFO info{};
  EXPECT_EQ(f_->C_GetMechanismInfo(slot_, CKM_VENDOR_DEFINED | 0x5eed, &info), CKR_MECHANISM_INVALID);
  EXPECT_EQ(f_->C_GetMechanismInfo(slot_, CKM_SHA256, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_GetMechanismInfo(kBogusSlot, CKM_SHA256, &info), CKR_SLOT_ID_INVALID);
}

TEST_P(SlotTokenTest, AesAndEcMechanismInfoStatesKeySizesInTheirUnits) {
  CK_MECHANISM_INFO info{};
  if (f_->C_GetMechanismInfo(slot_, CKM_AES_KEY_GEN, &info) == CKR_OK) {
    // Section 2.8 (current mechanisms): AES key sizes are in bytes.
    EXPECT_LE(info.ulMinKeySize, 16u);
    EXPECT_GE(info.ulMaxKeySize, 32u);
    EXPECT_TRUE(info.flags & CKF_GENERATE);
  }
  if (f_->C_GetMechanismInfo(slot_, CKM_ECDSA, &info) == CKR_OK) {
    EXPECT_LE(info.ulMinKeySize, 256u);  // EC sizes are in bits
    EXPECT_GE(info.ulMaxKeySize, 384u);
    EXPECT_TRUE(info.flags & CKF_SIGN);
  }
}

TEST_P(SlotTokenTest, OurModuleListsEveryMechanismOfIssue4) {
  if (!IsOurs()) GTEST_SKIP() << "issue 4's mechanism list binds our module only; SoftHSMv2 is the reference";
  const std::pair<CK_MECHANISM_TYPE, const char*> required[] = {
      {CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_RSA_PKCS_KEY_PAIR_GEN"},
      {CKM_RSA_PKCS, "CKM_RSA_PKCS"},
      {CKM_RSA_PKCS_PSS, "CKM_RSA_PKCS_PSS"},
      {CKM_SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS"},
      {CKM_SHA256_RSA_PKCS_PSS, "CKM_SHA256_RSA_PKCS_PSS"},
      {CKM_RSA_PKCS_OAEP, "CKM_RSA_PKCS_OAEP"},
      {CKM_EC_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN"},
      {CKM_ECDSA, "CKM_ECDSA"},
      {CKM_ECDSA_SHA256, "CKM_ECDSA_SHA256"},
      {CKM_ECDH1_DERIVE, "CKM_ECDH1_DERIVE"},
      {CKM_EC_EDWARDS_KEY_PAIR_GEN, "CKM_EC_EDWARDS_KEY_PAIR_GEN"},
      {CKM_EDDSA, "CKM_EDDSA"},
      {CKM_AES_KEY_GEN, "CKM_AES_KEY_GEN"},
      {CKM_AES_CBC, "CKM_AES_CBC"},
      {CKM_AES_CBC_PAD, "CKM_AES_CBC_PAD"},
      {CKM_AES_CTR, "CKM_AES_CTR"},
      {CKM_AES_GCM, "CKM_AES_GCM"},
      {CKM_AES_CMAC, "CKM_AES_CMAC"},
      {CKM_AES_KEY_WRAP, "CKM_AES_KEY_WRAP"},
      {0x0000210BUL, "CKM_AES_KEY_WRAP_KWP"},
      {CKM_GENERIC_SECRET_KEY_GEN, "CKM_GENERIC_SECRET_KEY_GEN"},
      {CKM_SHA256_HMAC, "CKM_SHA256_HMAC"},
      {CKM_SHA_1, "CKM_SHA_1"},
      {CKM_SHA256, "CKM_SHA256"},
      {CKM_SHA512, "CKM_SHA512"},
      {0x000002b0UL, "CKM_SHA3_256"},
  };
  for (const auto& [type, name] : required) EXPECT_TRUE(HasMechanism(type)) << name << " is not listed";
}

TEST_P(SlotTokenTest, InitTokenRefusedWhileASessionIsOpen) {
  CK_SESSION_HANDLE s = OpenSession(false);
  ASSERT_NE(s, CK_INVALID_HANDLE);
  CK_UTF8CHAR label[32];
  std::memset(label, ' ', sizeof(label));
  std::memcpy(label, kTokenLabel, std::strlen(kTokenLabel));
  // Section 5.5: C_InitToken with a session open on the token is CKR_SESSION_EXISTS.
  EXPECT_EQ(f_->C_InitToken(slot_, Pin(kSoPin), std::strlen(kSoPin), label), CKR_SESSION_EXISTS);
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(SlotTokenTest);

}  // namespace cf::conformance
