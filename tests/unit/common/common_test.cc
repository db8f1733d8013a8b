// Unit tests for common/: codecs, AEAD, time text, atomic files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "common/aead.h"
#include "common/atomic_file.h"
#include "common/bytes.h"
#include "common/time_text.h"

namespace cf {
namespace {

TEST(Bytes, HexRoundTripAndRejectsBadDigits) {
  Bytes data = {0x00, 0x7f, 0xff, 0x10};
  EXPECT_EQ(HexEncode(data), "007fff10");
  auto back = HexDecode("00 7F ff10");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_FALSE(HexDecode("abc").ok());
}

TEST(Bytes, Base64RoundTripsEveryLength) {
  for (size_t n = 0; n < 10; ++n) {
    Bytes data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 37 + 1);
    auto back = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, data) << n;
  }
  EXPECT_FALSE(Base64Decode("abc").ok());
}

TEST(Aead, RoundTripAndDetectsTamperingAndWrongAad) {
  Bytes key(32, 7);
  auto sealed = aead::Seal(key, AsBytes("secret"), AsBytes("aad"));
  ASSERT_TRUE(sealed.ok());
  auto opened = aead::Open(key, *sealed, AsBytes("aad"));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(std::string(opened->begin(), opened->end()), "secret");
  EXPECT_EQ(aead::Open(key, *sealed, AsBytes("other")).status().code(), Code::kCorrupt);
  Bytes flipped = *sealed;
  flipped[aead::kNonceSize] ^= 1;
  EXPECT_EQ(aead::Open(key, flipped, AsBytes("aad")).status().code(), Code::kCorrupt);
  EXPECT_EQ(aead::Open(key, Bytes(5), AsBytes("aad")).status().code(), Code::kCorrupt);
}

TEST(Aead, OpenerOpensManyValuesLikeOpenAndFailsOnTheBadOneOnly) {
  Bytes key(aead::kKeySize, 0x42);
  auto opener = aead::Opener::Create(key);
  ASSERT_TRUE(opener.ok());
  std::vector<Bytes> sealed;
  for (int i = 0; i < 3; ++i) sealed.push_back(*aead::Seal(key, AsBytes("value " + std::to_string(i)), AsBytes("a")));
  sealed[1][aead::kNonceSize + 2] ^= 1;  // the middle one is tampered
  auto first = opener->Open(sealed[0], AsBytes("a"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(std::string(first->begin(), first->end()), "value 0");
  EXPECT_EQ(opener->Open(sealed[1], AsBytes("a")).status().code(), Code::kCorrupt);
  // A failure leaves the context usable for the next value; a wrong AAD is refused as with Open().
  auto third = opener->Open(sealed[2], AsBytes("a"));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(std::string(third->begin(), third->end()), "value 2");
  EXPECT_EQ(opener->Open(sealed[2], AsBytes("b")).status().code(), Code::kCorrupt);
  EXPECT_EQ(opener->Open(Bytes(5), AsBytes("a")).status().code(), Code::kCorrupt);
  EXPECT_EQ(aead::Opener::Create(Bytes(16)).status().code(), Code::kInvalidArgument);
}

TEST(TimeText, FormatsRfc3339AndParsesLegacyForms) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(*ParseTime("2026-11-23T07:39:00Z"), *ParseTime("2026:11:23T07:39:00.000000Z"));
  EXPECT_EQ(*ParseTime("1970-01-01T00:01:00.5Z"), 60);
  EXPECT_FALSE(ParseTime("yesterday").ok());
  EXPECT_FALSE(ParseTime("2026-13-01T00:00:00Z").ok());
}

TEST(AtomicFile, ReplacesWholeFileAndReportsMissing) {
  char tmpl[] = "/tmp/cf-common-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/f";
  EXPECT_EQ(ReadFile(path).status().code(), Code::kNotFound);
  ASSERT_TRUE(WriteFileAtomic(path, AsBytes("one")).ok());
  ASSERT_TRUE(WriteFileAtomic(path, AsBytes("two!")).ok());
  EXPECT_EQ(AsString(*ReadFile(path)), "two!");
  EXPECT_EQ(ReadFile(path, 2).status().code(), Code::kResourceExhausted);
  unlink(path.c_str());
  rmdir(tmpl);
}

}  // namespace
}  // namespace cf
