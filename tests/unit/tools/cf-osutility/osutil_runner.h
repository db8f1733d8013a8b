// Runs the real cf-osutility binary (fork/exec) in a fresh temporary token directory and captures its exit code,
// stdout and stderr, so tests pin what a user sees.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace cf::osutil::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

class OsutilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cf-osutil-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    token_dir_ = dir_ + "/token";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Runs cf-osutility with --token-dir added (unless the caller gives one); stdin from `input`.
  RunResult Run(std::vector<std::string> args, const std::string& input = "", bool add_token_dir = true) {
    if (add_token_dir) {
      args.push_back("--token-dir");
      args.push_back(token_dir_);
    }
    std::string in_path = Path(".stdin"), out_path = Path(".stdout"), err_path = Path(".stderr");
    WriteAll(in_path, input);
    pid_t pid = fork();
    if (pid == 0) {
      int in = open(in_path.c_str(), O_RDONLY);
      int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv;
      std::string bin = CF_OSUTILITY_BIN;
      argv.push_back(bin.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      unsetenv("CF_PKCS11_TOKEN_DIR");
      if (before_exec_) before_exec_();  // e.g. drop privileges or lower RLIMIT_FSIZE for this run only
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    RunResult r;
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = ReadAll(out_path);
    r.err = ReadAll(err_path);
    return r;
  }

  // Runs and expects success; returns stdout.
  std::string Ok(const std::vector<std::string>& args, const std::string& input = "") {
    RunResult r = Run(args, input);
    EXPECT_EQ(r.exit_code, 0) << "stderr: " << r.err;
    return r.out;
  }

  std::string dir_;
  std::string token_dir_;
  std::function<void()> before_exec_;  // runs in the child between fork and exec
};

}  // namespace cf::osutil::testing
