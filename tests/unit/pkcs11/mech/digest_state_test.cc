// Saved digest state (mech/digest_state.h, digest.cc): the format round-trips, its parser refuses every damaged
// or foreign form with CKR_SAVED_STATE_INVALID, and a digest saves the input it was given, up to the bound, never
// after C_DigestKey's secret input.
#include "pkcs11/mech/digest_state.h"

#include <algorithm>

#include "mech_fixture.h"

namespace cf::p11::testing {
namespace {

constexpr size_t kHeader = 18;  // magic 4, version 1, kind 1, mechanism 8, length 4

SecureBytes Fed(ByteView input, CK_MECHANISM_TYPE m = CKM_SHA256) {
  auto op = Start(OpKind::kDigest, Mech(m), nullptr).value();
  SecureBytes unused;
  EXPECT_TRUE(op->Update(input, &unused).ok());
  return op->SaveState().value();
}

TEST(DigestState, RoundTripsMechanismAndInput) {
  Bytes input = Data(1000);
  SecureBytes state = EncodeDigestState(CKM_SHA3_256, input);
  ASSERT_EQ(state.size(), kHeader + input.size());
  auto saved = DecodeDigestState(state);
  ASSERT_TRUE(saved.ok()) << saved.status().message();
  EXPECT_EQ(saved->mechanism, CKM_SHA3_256);
  EXPECT_EQ(Bytes(saved->input.begin(), saved->input.end()), input);
  auto empty = DecodeDigestState(EncodeDigestState(CKM_SHA256, ByteView()));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->input.empty());
}

TEST(DigestState, RefusesEveryDamagedForm) {
  const SecureBytes good = EncodeDigestState(CKM_SHA256, Data(40));
  auto with = [&](size_t at, uint8_t value) {
    SecureBytes s = good;
    s[at] = value;
    return s;
  };
  std::vector<std::pair<const char*, SecureBytes>> bad = {
      {"empty", SecureBytes()},
      {"header cut", SecureBytes(good.begin(), good.begin() + kHeader - 1)},
      {"input cut", SecureBytes(good.begin(), good.end() - 1)},
      {"trailing byte",
       [&] {
         SecureBytes s = good;
         s.push_back(0);
         return s;
       }()},
      {"magic", with(0, 'C')},
      {"version", with(4, 2)},
      {"kind", with(5, 2)},
      {"length says more", with(17, 41)},
      {"length says less", with(17, 39)},
  };
  for (const auto& [what, state] : bad) {
    EXPECT_EQ(RvOf(DecodeDigestState(state).status()), CKR_SAVED_STATE_INVALID) << what;
  }
}

TEST(DigestState, RefusesInputPastTheBound) {
  Bytes input(kMaxSavedDigestInput + 1, 0x61);
  // Made by hand: the encoder is never given more than the bound.
  SecureBytes state = EncodeDigestState(CKM_SHA256, ByteView(input).first(kMaxSavedDigestInput));
  state.push_back(0x61);
  uint32_t n = static_cast<uint32_t>(input.size());
  for (int i = 0; i < 4; ++i) state[14 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  EXPECT_EQ(RvOf(DecodeDigestState(state).status()), CKR_SAVED_STATE_INVALID);
  EXPECT_TRUE(DecodeDigestState(EncodeDigestState(CKM_SHA256, ByteView(input).first(kMaxSavedDigestInput))).ok());
}

TEST(DigestState, DigestSavesTheInputSoFar) {
  Bytes part1 = Data(100, 3), part2 = Data(77, 9);
  auto op = Start(OpKind::kDigest, Mech(CKM_SHA384), nullptr).value();
  SecureBytes unused;
  ASSERT_TRUE(op->Update(part1, &unused).ok());
  ASSERT_TRUE(op->Update(part2, &unused).ok());
  SecureBytes state = op->SaveState().value();
  auto saved = DecodeDigestState(state).value();
  EXPECT_EQ(saved.mechanism, CKM_SHA384);
  Bytes both = part1;
  both.insert(both.end(), part2.begin(), part2.end());
  EXPECT_EQ(Bytes(saved.input.begin(), saved.input.end()), both);
}

TEST(DigestState, UnsaveablePastTheBoundButStillCorrect) {
  Bytes data = Data(kMaxSavedDigestInput + 1);
  auto op = Start(OpKind::kDigest, Mech(CKM_SHA256), nullptr).value();
  SecureBytes out;
  ASSERT_TRUE(op->Update(ByteView(data).first(kMaxSavedDigestInput), &out).ok());
  EXPECT_EQ(op->SaveState().value().size(), kHeader + kMaxSavedDigestInput);
  ASSERT_TRUE(op->Update(ByteView(data).last(1), &out).ok());
  EXPECT_EQ(RvOf(op->SaveState().status()), CKR_STATE_UNSAVEABLE);
  ASSERT_TRUE(op->Final(&out).ok());
  EXPECT_EQ(Bytes(out.begin(), out.end()), RunOnce(OpKind::kDigest, Mech(CKM_SHA256), nullptr, data).value());
}

TEST(DigestState, SecretInputMakesTheDigestUnsaveable) {
  const Bytes key(32, 0xA5);
  auto op = Start(OpKind::kDigest, Mech(CKM_SHA256), nullptr).value();
  SecureBytes unused;
  ASSERT_TRUE(op->Update(AsBytes("prefix"), &unused).ok());
  ASSERT_TRUE(op->UpdateSecret(key).ok());
  EXPECT_EQ(RvOf(op->SaveState().status()), CKR_STATE_UNSAVEABLE);
  ASSERT_TRUE(op->Update(AsBytes("more"), &unused).ok());  // and stays so
  EXPECT_EQ(RvOf(op->SaveState().status()), CKR_STATE_UNSAVEABLE);
}

TEST(DigestState, OtherOperationsAreUnsaveable) {
  KeyMaterial k{.object_class = CKO_SECRET_KEY,
                .key_type = CKK_GENERIC_SECRET,
                .secret = std::make_shared<const SecureBytes>(32, 0x0b)};
  auto op = Start(OpKind::kSign, Mech(CKM_SHA256_HMAC), &k).value();
  EXPECT_EQ(RvOf(op->SaveState().status()), CKR_STATE_UNSAVEABLE);
  EXPECT_EQ(Fed(AsBytes("x")).size(), kHeader + 1);
}

}  // namespace
}  // namespace cf::p11::testing
