// Several processes: concurrent writers, writers killed with SIGKILL mid-write (every acknowledged Put must
// survive), and a forked child going on with the Store object it inherited.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using StoreProcesses = StoreTest;

int WaitExit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_P(StoreProcesses, TwoProcessesWritingAtOnceLoseNothing) {
  // The figure for both backends: 500 each. cf-file rewrites the whole file per put (O(n) each, O(n^2)
  // in all), which is the slowest test here (seconds, see cryptstore/README.md "Measured").
  const int per_child = 500;
  ASSERT_TRUE(OpenOrDie());  // create once, so the children race on writes, not on creation
  pid_t kids[2];
  for (int c = 0; c < 2; ++c) {
    kids[c] = ::fork();
    ASSERT_GE(kids[c], 0);
    if (kids[c] == 0) {
      auto s = Store::Open(Options());
      if (!s.ok()) ::_exit(10);
      for (int i = 0; i < per_child; ++i) {
        // Both children share tag "shared" with version 0, so they also race on latest + 1.
        NewEntry e = MakeEntry(i % 2 ? "shared" : "child" + std::to_string(c) + "-" + std::to_string(i),
                               std::to_string(c) + ":" + std::to_string(i));
        if (!(*s)->Put(e).ok()) ::_exit(11);
      }
      ::_exit(0);
    }
  }
  EXPECT_EQ(WaitExit(kids[0]), 0);
  EXPECT_EQ(WaitExit(kids[1]), 0);
  auto s = OpenOrDie();
  auto list = s->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), static_cast<size_t>(2 * per_child));
  for (const EntryInfo& info : *list) ASSERT_TRUE(s->GetById(info.id).ok()) << info.tag;
  auto range = s->Versions("shared", "binary-blob");
  EXPECT_EQ(range->earliest, 1);
  EXPECT_EQ(range->latest, per_child);  // per_child/2 from each child, no version lost or doubled
}

// A child puts entries and reports each acknowledged version through a pipe; the parent kills it at a random
// moment. Rounds: CF_STORE_KILL_ROUNDS (20 in the normal run, 500 under the `long` label).
TEST_P(StoreProcesses, SurvivesSigkillAtRandomPointsWithEveryAcknowledgedPut) {
  const char* env = std::getenv("CF_STORE_KILL_ROUNDS");
  const int rounds = env != nullptr ? std::atoi(env) : 20;
  ASSERT_TRUE(OpenOrDie());
  std::mt19937 rng(12345);
  size_t total_acked = 0;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const std::string tag = "round-" + std::to_string(round);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto s = Store::Open(Options());
      if (!s.ok()) {
        fprintf(stderr, "kill child: %s\n", s.status().ToString().c_str());
        ::_exit(10);
      }
      int32_t ready = 0;  // tells the parent the store is open: the kill then lands among the puts
      if (::write(fds[1], &ready, sizeof(ready)) != sizeof(ready)) ::_exit(12);
      for (int32_t v = 1; v < 100000; ++v) {
        auto put = (*s)->Put(MakeEntry(tag, "blob-" + std::to_string(v), v));
        if (!put.ok()) {
          fprintf(stderr, "kill child: %s\n", put.status().ToString().c_str());
          ::_exit(11);
        }
        if (::write(fds[1], &v, sizeof(v)) != sizeof(v)) ::_exit(12);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    int32_t v = -1;
    ASSERT_EQ(::read(fds[0], &v, sizeof(v)), static_cast<ssize_t>(sizeof(v))) << "child could not open the store";
    // Up to 100 ms: a first put on a loaded 2-core machine (WAL file creation, fsync) can take tens of ms.
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 100000));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    std::set<int32_t> acked;
    while (::read(fds[0], &v, sizeof(v)) == sizeof(v)) acked.insert(v);
    ::close(fds[0]);
    total_acked += acked.size();
    auto s = Store::Open(Options());
    ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.status().ToString();
    for (int32_t a : acked) {
      auto got = (*s)->Get(tag, "binary-blob", a);
      ASSERT_TRUE(got.ok()) << "round " << round << " version " << a << ": " << got.status().ToString();
      ASSERT_EQ(BlobText(*got), "blob-" + std::to_string(a));
    }
  }
  EXPECT_GT(total_acked, 0u) << "no put was acknowledged before a kill: the test checked nothing";
}

// The failed-login counter is written before the PIN is checked: a guesser killed at any moment has had every
// reported wrong guess counted (at most one more, the one in flight).
TEST_P(StoreProcesses, FailedLoginCounterSurvivesSigkill) {
  StoreOptions o = Options();
  o.max_failed_logins = 100000;
  {
    auto s = OpenOrDie(o);
    ASSERT_TRUE(s->SetSoPin(SecureString("so")).ok());
    ASSERT_TRUE(s->InitUserPin(SecureString("1234")).ok());
  }
  uint32_t acked = 0;
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto s = Store::Open(o);
      if (!s.ok()) ::_exit(10);
      char ready = 0;
      if (::write(fds[1], &ready, 1) != 1) ::_exit(12);
      for (;;) {
        if ((*s)->Login(Role::kUser, SecureString("wrong")).code() != Code::kUnauthenticated) ::_exit(11);
        char one = 1;
        if (::write(fds[1], &one, 1) != 1) ::_exit(12);
      }
    }
    ::close(fds[1]);
    char c;
    ASSERT_EQ(::read(fds[0], &c, 1), 1) << "child could not open the store";
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + 20 * round));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    while (::read(fds[0], &c, 1) == 1) ++acked;
    ::close(fds[0]);
    auto s = OpenOrDie(o);
    uint32_t counted = s->GetPinState(Role::kUser)->failed_attempts;
    ASSERT_GE(counted, acked) << "round " << round;
    ASSERT_LE(counted, acked + round + 1) << "round " << round;
  }
  EXPECT_GT(acked, 0u);
}

TEST_P(StoreProcesses, ThreadsShareOneStore) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (!s->Put(MakeEntry("shared", std::to_string(t))).ok()) ++failures;
        if (!s->Get("shared", "binary-blob").ok()) ++failures;
        if (!s->List().ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(s->Versions("shared", "binary-blob")->latest, 100);
}

TEST_P(StoreProcesses, ForkedChildGoesOnWithTheInheritedStore) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Put(MakeEntry("before", "parent")).ok());
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto got = s->Get("before", "binary-blob");
    if (!got.ok() || BlobText(*got) != "parent") ::_exit(10);
    if (!s->Put(MakeEntry("from-child", "child")).ok()) ::_exit(11);
    ::_exit(0);
  }
  EXPECT_EQ(WaitExit(pid), 0);
  auto got = s->Get("from-child", "binary-blob");  // the parent's own connection still works and sees it
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(BlobText(*got), "child");
  EXPECT_TRUE(s->Put(MakeEntry("after", "parent")).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreProcesses, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

}  // namespace
}  // namespace cf::store::testing
