// GLib keeps working under vugpu's sandbox with present.gtk's declared system calls.
//
// GLib 2.74's thread pools (GTask's, GIO's async file operations, whatever GTK starts on one)
// read the creating thread's scheduling attributes when the first pool is made (sched_getattr)
// and give them to every pool thread they start (sched_setattr): on demand, so after the sandbox
// is on whenever GTK first needs one. No path the e2e tests take makes a pool (strace), so it is
// made to happen here: a pool made and grown under the sandbox, its jobs all run.
#include <glib.h>
#include <gtest/gtest.h>
#include <atomic>
#include <regex>
#include "confined_child.hpp"

#if !defined(VUGPU_TEST_GTK_PLUGIN) || !defined(VUGPU_TEST_PLUGIN_WITHOUT_SYSCALLS)
#error "VUGPU_TEST_GTK_PLUGIN and VUGPU_TEST_PLUGIN_WITHOUT_SYSCALLS must be defined"
#endif

namespace {

using vugpu::test::ConfinedResult;

constexpr int kJobs = 8;
constexpr int kAllJobsRan = 0, kJobsLost = 4;

// The child's body: a pool of up to 4 threads made under the sandbox, 8 jobs, wait for them.
int pool_under_the_sandbox(const std::function<void()>& confine) {
  confine();
  static std::atomic<int> ran{0};
  GThreadPool* pool = g_thread_pool_new(
      [](gpointer, gpointer) {
        g_usleep(1000);
        ran.fetch_add(1);
      },
      nullptr, 4, FALSE, nullptr);
  for (int i = 1; i <= kJobs; ++i) g_thread_pool_push(pool, GINT_TO_POINTER(i), nullptr);
  g_thread_pool_free(pool, FALSE, TRUE);  // waits for every job
  return ran.load() == kJobs ? kAllJobsRan : kJobsLost;
}

TEST(GLibUnderSandbox, ThreadPoolMadeAndGrownUnderPresentGtksAllowlist) {
  const ConfinedResult r = vugpu::test::run_confined(VUGPU_TEST_GTK_PLUGIN, pool_under_the_sandbox);
  EXPECT_TRUE(r.exited && r.code == kAllJobsRan)
      << r.describe() << "\n(SIGSYS: present.gtk's list lacks what GLib's thread pool calls)";
}

// The test can fail: with the core's set only, GLib's pool kills the child.
TEST(GLibUnderSandboxWithoutItsCalls, ThePoolIsStopped) {
  const ConfinedResult r = vugpu::test::run_confined(VUGPU_TEST_PLUGIN_WITHOUT_SYSCALLS, pool_under_the_sandbox);
  EXPECT_TRUE(r.killed_by_sandbox()) << r.describe();
  EXPECT_TRUE(std::regex_search(r.output, std::regex("forbidden system call sched_(get|set)attr ")))
      << r.output;
}

}  // namespace
