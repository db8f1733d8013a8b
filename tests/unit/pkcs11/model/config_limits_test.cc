// Configuration files are read with limits (issue 11 item 11a): a device, FIFO or oversized file named by
// CF_PKCS11_CONF or pReserved is refused promptly instead of read forever.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "pkcs11/model/config.h"

namespace cf::p11 {
namespace {

class ConfigLimits : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("CF_PKCS11_CONF"); }
};

TEST_F(ConfigLimits, DevZeroIsRefusedPromptly) {
  ::setenv("CF_PKCS11_CONF", "/dev/zero", 1);
  auto start = std::chrono::steady_clock::now();
  auto loaded = LoadConfig(nullptr);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("not a regular file"), std::string::npos) << loaded.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(1));
}

TEST_F(ConfigLimits, DevZeroThroughReservedIsRefusedToo) {
  auto loaded = LoadConfig("/dev/zero");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("not a regular file"), std::string::npos) << loaded.status().ToString();
}

TEST_F(ConfigLimits, FifoDoesNotBlock) {
  std::string fifo = (std::filesystem::temp_directory_path() / "cf-conf-fifo-XXXXXX").string();
  ASSERT_NE(::mkdtemp(fifo.data()), nullptr);
  std::string path = fifo + "/conf";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  ::setenv("CF_PKCS11_CONF", path.c_str(), 1);
  auto loaded = LoadConfig(nullptr);  // no writer: a blocking open would hang here
  EXPECT_FALSE(loaded.ok());
  std::filesystem::remove_all(fifo);
}

TEST_F(ConfigLimits, OversizedFileIsRefused) {
  std::string dir = (std::filesystem::temp_directory_path() / "cf-conf-big-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::string path = dir + "/big.conf";
  {
    std::ofstream out(path);
    std::string line(1023, ' ');
    for (size_t i = 0; i <= kMaxConfigSize / 1024; ++i) out << line << '\n';
  }
  ::setenv("CF_PKCS11_CONF", path.c_str(), 1);
  auto loaded = LoadConfig(nullptr);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kResourceExhausted) << loaded.status().ToString();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cf::p11
