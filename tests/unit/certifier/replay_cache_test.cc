// The replay cache admits a nonce once per window, forgets it afterwards and stays bounded.
#include "certifier/replay_cache.h"

#include <gtest/gtest.h>

namespace cf::certifier {
namespace {

TEST(ReplayCache, RefusesASecondUseWithinTheWindow) {
  ReplayCache cache(300, 100);
  EXPECT_TRUE(cache.Admit("n1", 1000));
  EXPECT_FALSE(cache.Admit("n1", 1100));
  EXPECT_TRUE(cache.Admit("n2", 1100));
}

TEST(ReplayCache, ForgetsAfterTwiceTheWindow) {
  ReplayCache cache(300, 100);
  EXPECT_TRUE(cache.Admit("n1", 1000));
  EXPECT_TRUE(cache.Admit("n1", 1000 + 601));
}

TEST(ReplayCache, StaysBoundedAndRefusesWhenFull) {
  ReplayCache cache(300, 3);
  EXPECT_TRUE(cache.Admit("a", 0));
  EXPECT_TRUE(cache.Admit("b", 0));
  EXPECT_TRUE(cache.Admit("c", 0));
  EXPECT_FALSE(cache.Admit("d", 0));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.Admit("d", 700));  // the old ones expired
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace cf::certifier
