// Configuration: the shipped example parses, sources in priority order, bad text named with line and column.
#include "pkcs11/model/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace cf::p11 {
namespace {

TEST(ConfigTest, ShippedExampleParsesWithThreeDomains) {
  std::ifstream in(std::string(CF_SOURCE_DIR) + "/conf/cf-pkcs11.conf");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto config = ParseConfigText(text.str(), "conf/cf-pkcs11.conf");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->tokens_size(), 3);
  EXPECT_EQ(config->tokens(0).certification(), cf_pkcs11::CERTIFICATION_CACHED);
  EXPECT_EQ(config->tokens(1).backend(), "cf-file");
  tokendir::TokenLocation loc = LocationFor(config->tokens(1));
  EXPECT_EQ(loc.backend, store::Backend::kCfFile);
  EXPECT_EQ(LocationFor(config->tokens(0)).max_failed_logins, 10u);
  tokendir::TokenLocation tpm = LocationFor(config->tokens(2));
  EXPECT_EQ(tpm.enclave_type, "tpm-enclave");
  EXPECT_EQ(tpm.tpm_tcti, "device:/dev/tpmrm0");
  EXPECT_EQ(tpm.tpm_pcrs, "7");
}

TEST(ConfigTest, BadTextNamesLineAndColumn) {
  auto config = ParseConfigText("tokens {\n  labl: \"x\"\n}", "test");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("line 2"), std::string::npos) << config.status().message();
}

TEST(ConfigTest, TokenWithoutDirectoryIsRefused) {
  auto config = ParseConfigText("tokens { label: \"x\" }", "test");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("no directory"), std::string::npos);
}

TEST(ConfigTest, ReservedTextWinsOverEnvironment) {
  setenv("CF_PKCS11_CONF", "/nonexistent/cf.conf", 1);
  auto loaded = LoadConfig("tokens { directory: \"/tmp/x\" pin_kdf_iterations: 7 }");
  unsetenv("CF_PKCS11_CONF");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->source, "pReserved");
  EXPECT_EQ(LocationFor(loaded->config.tokens(0)).pin_kdf_iterations, 7u);
}

TEST(ConfigTest, EnvironmentFileThatDoesNotExistIsAnError) {
  setenv("CF_PKCS11_CONF", "/nonexistent/cf.conf", 1);
  auto loaded = LoadConfig(nullptr);
  unsetenv("CF_PKCS11_CONF");
  EXPECT_FALSE(loaded.ok());
}

TEST(ConfigTest, DefaultIsOneTokenInTheTokenDirWithCertificationOff) {
  setenv("CF_PKCS11_TOKEN_DIR", "/tmp/cf-default-token", 1);
  unsetenv("CF_PKCS11_CONF");
  auto loaded = LoadConfig(nullptr);
  unsetenv("CF_PKCS11_TOKEN_DIR");
  if (!loaded.ok() || loaded->source != "default") GTEST_SKIP() << "a system configuration exists on this host";
  ASSERT_EQ(loaded->config.tokens_size(), 1);
  EXPECT_EQ(loaded->config.tokens(0).directory(), "/tmp/cf-default-token");
  EXPECT_EQ(loaded->config.tokens(0).certification(), cf_pkcs11::CERTIFICATION_OFF);
}

}  // namespace
}  // namespace cf::p11
