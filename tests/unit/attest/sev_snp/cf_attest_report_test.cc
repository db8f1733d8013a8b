// `cf-attest report` off an SEV-SNP guest: exit 4, nothing on stdout, exactly one line on stderr saying so. Run as
// a child process, the way an operator meets it. Fetching on a real guest is not covered here (no guest in CI).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {

struct ToolRun {
  int exit_code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

ToolRun CfAttest(const std::string& args) {
  std::string base = ::testing::TempDir() + "/cf-attest-" + std::to_string(getpid());
  std::string cmd = std::string(CF_ATTEST_BIN) + " " + args + " >" + base + ".out 2>" + base + ".err";
  int status = std::system(cmd.c_str());
  ToolRun r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = Slurp(base + ".out");
  r.err = Slurp(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

TEST(CfAttestReport, OffAGuestSaysSoOnOneLineAndExits4) {
  ToolRun r = CfAttest("report --tsm-root /nonexistent/tsm/report --device /nonexistent/sev-guest");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "cf-attest: not running in an SEV-SNP guest: neither /nonexistent/tsm/report nor /nonexistent/sev-guest "
            "exists\n");
}

TEST(CfAttestReport, OnThisMachineWithDefaultPathsItIsNotAGuest) {
  if (access("/dev/sev-guest", F_OK) == 0 || access("/sys/kernel/config/tsm/report", F_OK) == 0) {
    GTEST_SKIP() << "this machine has an SNP guest interface";
  }
  ToolRun r = CfAttest("report --out /nonexistent/never-written.bin");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "cf-attest: not running in an SEV-SNP guest: neither /sys/kernel/config/tsm/report nor /dev/sev-guest "
            "exists\n");
}

TEST(CfAttestReport, OversizedReportDataIsAUsageError) {
  ToolRun r = CfAttest("report --report-data " + std::string(130, 'a'));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--report-data is 65 bytes; at most 64"), std::string::npos) << r.err;
}

}  // namespace
