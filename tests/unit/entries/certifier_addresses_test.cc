// The certifier address setting: one HOST:PORT as before, or replicas separated by commas; bad lists are refused
// with the setting's name and what is wrong.
#include <gtest/gtest.h>

#include "entries/certification.h"

namespace cf::entries {
namespace {

TEST(CertifierAddresses, OneAddressIsAListOfOne) {
  auto got = ParseCertifierAddresses("127.0.0.1:8123");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].host, "127.0.0.1");
  EXPECT_EQ((*got)[0].port, 8123);
}

TEST(CertifierAddresses, SeveralSeparatedByCommasWithSpaces) {
  auto got = ParseCertifierAddresses("cs1.example:8123, cs2.example:9000 ,10.0.0.7:8123", "certifier_address");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].Text(), "cs1.example:8123");
  EXPECT_EQ((*got)[1].Text(), "cs2.example:9000");
  EXPECT_EQ((*got)[2].Text(), "10.0.0.7:8123");
}

TEST(CertifierAddresses, RefusesEmptyItemsRepeatsBadPortsAndTooMany) {
  for (const char* bad : {"", ",", "a:1,", "a:1,,b:2", "a:1,b", "a:1,b:0", "a:1, a:1"}) {
    auto got = ParseCertifierAddresses(bad, "certifier_address");
    EXPECT_EQ(got.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(got.status().message().find("certifier_address"), std::string::npos) << got.status().message();
  }
  std::string many;
  for (size_t i = 0; i <= kMaxCertifierAddresses; ++i)
    many += (i ? "," : "") + std::string("h:") + std::to_string(i + 1);
  EXPECT_EQ(ParseCertifierAddresses(many).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cf::entries
