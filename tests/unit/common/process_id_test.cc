// cf::CurrentPid() (common/process_id.h): the cached id must equal getpid() in the parent and, at once, in every
// fork child and grandchild; the fork detection of the entry wrapper and the store depends on it.
#include "common/process_id.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// Runs `body` in a fork child; the child's exit status says whether it held (0) or not (1).
template <typename F>
int InChild(F&& body) {
  pid_t child = fork();
  if (child == 0) _exit(body() ? 0 : 1);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

TEST(ProcessId, EqualsGetpidInTheParent) { EXPECT_EQ(cf::CurrentPid(), getpid()); }

TEST(ProcessId, FollowsForkIntoTheChild) {
  pid_t parent = cf::CurrentPid();
  EXPECT_EQ(InChild([&] { return cf::CurrentPid() == getpid() && cf::CurrentPid() != parent; }), 0);
  EXPECT_EQ(cf::CurrentPid(), parent);  // the parent's cache is untouched
}

TEST(ProcessId, FollowsForkIntoTheGrandchild) {
  EXPECT_EQ(InChild([] { return InChild([] { return cf::CurrentPid() == getpid(); }) == 0; }), 0);
}

}  // namespace
