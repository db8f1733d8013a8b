// `cf-policy trust-vm` run as a child process: it appends the measurement of the VM built from the given files as
// a trust-measurement line that `compile` accepts and `print` shows, keeps what the text already held, and leaves
// the text untouched when the VM cannot be measured.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {

// The recorded SNP digest of the AmdSev footer with no kernel, one EPYC-v4 vCPU under QEMU.
constexpr char kNoKernelDigest[] =
    "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d";

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class TrustVm : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/trust-vm-" + std::to_string(getpid());
    ASSERT_EQ(std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_).c_str()), 0);
  }
  void TearDown() override { (void)std::system(("rm -rf " + dir_).c_str()); }

  // Exit status of cf-policy with args; stderr kept in err_.
  int CfPolicy(const std::string& args) {
    const std::string cmd = std::string(CF_POLICY_BIN) + " " + args + " >" + dir_ + "/out 2>" + dir_ + "/err";
    const int status = std::system(cmd.c_str());
    err_ = Slurp(dir_ + "/err");
    out_ = Slurp(dir_ + "/out");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string VmFlags() const {
    return std::string("--ovmf ") + CF_MEASURE_FIXTURES + "/ovmf_AmdSev_suffix.bin --vcpus 1 --vcpu-type EPYC-v4";
  }

  std::string dir_, err_, out_;
};

TEST_F(TrustVm, AppendsAMeasurementLineThatCompiles) {
  const std::string text = dir_ + "/policy.txt";
  std::ofstream(text) << "platform amd-sev-snp\n";
  ASSERT_EQ(CfPolicy("trust-vm --policy-text " + text + " " + VmFlags()), 0) << err_;
  const std::string policy = Slurp(text);
  EXPECT_EQ(policy.rfind("platform amd-sev-snp\ntrust-measurement " + std::string(kNoKernelDigest) + "  # VM: snp", 0),
            0u)
      << policy;
  EXPECT_NE(policy.find("ovmf_AmdSev_suffix.bin"), std::string::npos);

  ASSERT_EQ(CfPolicy("make-key --key-out " + dir_ + "/key.bin --cert-out " + dir_ +
                     "/cert.der --domain t "
                     "--algorithm ecc-384"),
            0)
      << err_;
  ASSERT_EQ(CfPolicy("compile --in " + text + " --key " + dir_ + "/key.bin --out " + dir_ + "/policy.bin"), 0) << err_;
  ASSERT_EQ(CfPolicy("print --policy " + dir_ + "/policy.bin"), 0) << err_;
  EXPECT_NE(out_.find(kNoKernelDigest), std::string::npos) << out_;
}

TEST_F(TrustVm, CreatesTheTextWhenAbsent) {
  const std::string text = dir_ + "/new.txt";
  ASSERT_EQ(CfPolicy("trust-vm --policy-text " + text + " " + VmFlags()), 0) << err_;
  EXPECT_EQ(Slurp(text).rfind("trust-measurement " + std::string(kNoKernelDigest), 0), 0u);
}

TEST_F(TrustVm, LeavesTheTextUntouchedWhenTheVmCannotBeMeasured) {
  const std::string text = dir_ + "/policy.txt";
  std::ofstream(text) << "platform amd-sev-snp\n";
  EXPECT_NE(CfPolicy("trust-vm --policy-text " + text + " " + VmFlags() + " --append quiet"), 0);
  EXPECT_NE(err_.find("--append needs --kernel"), std::string::npos) << err_;
  EXPECT_EQ(Slurp(text), "platform amd-sev-snp\n");
}

TEST_F(TrustVm, RefusesLaunchDigestsThatReportsDoNotCarry) {
  const std::string text = dir_ + "/policy.txt";
  EXPECT_NE(CfPolicy("trust-vm --policy-text " + text + " " + VmFlags() + " --mode sev-es"), 0);
  EXPECT_NE(err_.find("SEV-SNP measurements only"), std::string::npos) << err_;
  EXPECT_EQ(access(text.c_str(), F_OK), -1);
}

}  // namespace
