// HostServices as plugins get it: post, fd watches, the late links to the VMM display and the
// device, and the copy counter.
#include <gtest/gtest.h>
#include <sys/eventfd.h>

#include <thread>
#include "host/loop_host_services.hpp"
#include "log/spdlog_log.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu {
namespace {

struct Fixture : ::testing::Test {
  EventLoop loop;
  SpdLog log{LogLevel::Error};
  HostLinks links;
};

TEST_F(Fixture, PostRunsOnTheLoopNotInline) {
  LoopHostServices host(loop, log, links);
  bool ran = false;
  std::thread other([&] { host.post([&] { ran = true; }); });
  other.join();
  EXPECT_FALSE(ran);
  ASSERT_TRUE(loop.run_once(1000));
  EXPECT_TRUE(ran);
}

TEST_F(Fixture, WatchFdAndUnwatch) {
  LoopHostServices host(loop, log, links);
  UniqueFd fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  int calls = 0;
  auto id = host.watch_fd(fd.get(), [&] {
    uint64_t v;
    [[maybe_unused]] auto n = ::read(fd.get(), &v, sizeof v);
    ++calls;
  });
  const uint64_t one = 1;
  ASSERT_EQ(::write(fd.get(), &one, sizeof one), 8);
  loop.run_once(1000);
  EXPECT_EQ(calls, 1);
  host.unwatch_fd(id);
  ASSERT_EQ(::write(fd.get(), &one, sizeof one), 8);
  loop.run_once(50);
  EXPECT_EQ(calls, 1);
}

TEST_F(Fixture, ForgottenWatchesGoWithTheHost) {
  UniqueFd fd(eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC));  // readable at once
  int calls = 0;
  {
    LoopHostServices host(loop, log, links);
    host.watch_fd(fd.get(), [&] { ++calls; });
  }
  loop.run_once(50);
  EXPECT_EQ(calls, 0);
}

// A plugin stopping vugpu (HostServices::request_stop, any thread): the loop stops, and the
// daemon's exit status (HostLinks::exit_status, what serve() returns) is the highest asked.
TEST_F(Fixture, RequestStopStopsTheLoopAndTheHighestStatusWins) {
  LoopHostServices host(loop, log, links);
  std::thread other([&] {
    host.request_stop(1);
    host.request_stop(0);
  });
  other.join();
  EXPECT_EQ(links.exit_status, 0) << "only the loop applies it";
  EXPECT_TRUE(loop.run());  // returns: the request stopped it
  EXPECT_EQ(links.exit_status, 1);
}

TEST_F(Fixture, LinksAreBoundLateAndCopiesAddUp) {
  LoopHostServices a(loop, log, links), b(loop, log, links);
  EXPECT_EQ(a.vmm_display(), nullptr);
  a.fence_signalled(1, 2, 3);  // no device yet: logged, dropped, no crash
  std::vector<uint64_t> fences;
  links.fence_signalled = [&](uint32_t ctx, uint32_t ring, uint64_t fence) { fences = {ctx, ring, fence}; };
  b.fence_signalled(4, 5, 6);
  EXPECT_EQ(fences, (std::vector<uint64_t>{4, 5, 6}));
  a.count_copy(100);
  std::thread other([&] { b.count_copy(23); });
  other.join();
  EXPECT_EQ(links.bytes_copied.load(), 123u);
}

}  // namespace
}  // namespace vugpu
