// The display-channel fuzz target's entry point with any compiler (fast suite): its corpus and
// seeded random mutations of it.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include "display_channel_fuzz.hpp"
#include "virtual_time.hpp"

namespace vugpu::fuzz {
namespace {

TEST(DisplayChannelFuzzReplay, CorpusAndMutations) {
  std::mt19937 rng(11);
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(VUGPU_DISPLAY_CHANNEL_CORPUS_DIR)) {
    std::ifstream f(entry.path(), std::ios::binary);
    const std::vector<uint8_t> seed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(run_display_channel_input(seed), "") << entry.path();
    ++n;
    for (int round = 0; round < 300 && !seed.empty(); ++round) {
      std::vector<uint8_t> input = seed;
      for (int flips = 1 + int(rng() % 6); flips > 0; --flips) input[rng() % input.size()] = uint8_t(rng());
      ASSERT_EQ(run_display_channel_input(input), "") << entry.path() << " round " << round;
    }
  }
  EXPECT_GE(n, 2u);
}

// The QEMU seed reaches the parsers: its answers are taken.
TEST(DisplayChannelFuzzReplay, QemuSeedIsAnswered) {
  std::ifstream f(std::filesystem::path(VUGPU_DISPLAY_CHANNEL_CORPUS_DIR) / "qemu", std::ios::binary);
  const std::vector<uint8_t> seed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  DisplayChannelSummary s;
  ASSERT_EQ(run_display_channel_input(seed, &s), "");  // virtual time: every answer taken, however loaded the machine
  EXPECT_EQ(s.display_info_ok, 1u);
  EXPECT_EQ(s.first_width, 1280u);
  EXPECT_EQ(s.edid_ok, 1u);
  EXPECT_EQ(s.updates_ok, 1u);
}

// What the target's speed rests on: under a Frozen a wait passes without waiting, on the clock
// the channel reads, and a timerfd fires exactly when the virtual clock passes its deadline.
TEST(VirtualTime, WaitsPassWithoutWaiting) {
  using namespace std::chrono_literals;
  timespec real0{};
  ::clock_gettime(CLOCK_MONOTONIC, &real0);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const int timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  ASSERT_GE(timer, 0);
  {
    const virtual_time::Frozen frozen;
    const auto t0 = std::chrono::steady_clock::now();
    pollfd p{sv[0], POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 5000), 0);  // nothing can come: 5 s pass at once
    EXPECT_EQ(std::chrono::steady_clock::now() - t0, 5s);
    ASSERT_EQ(::write(sv[1], "x", 1), 1);
    EXPECT_EQ(::poll(&p, 1, 5000), 1);  // ready: no time passes
    EXPECT_EQ(std::chrono::steady_clock::now() - t0, 5s);

    const itimerspec in_10ms{{0, 0}, {0, 10'000'000}};
    ASSERT_EQ(::timerfd_settime(timer, 0, &in_10ms, nullptr), 0);
    pollfd t{timer, POLLIN, 0};
    EXPECT_FALSE(virtual_time::advance(9ms));
    EXPECT_EQ(::poll(&t, 1, 0), 0);
    EXPECT_TRUE(virtual_time::advance(1ms));
    EXPECT_EQ(::poll(&t, 1, 0), 1);  // readable as advance() returns
    EXPECT_FALSE(virtual_time::advance(1s));  // fired once: one-shot
  }
  timespec real1{};
  ::clock_gettime(CLOCK_MONOTONIC, &real1);
  EXPECT_LT(real1.tv_sec - real0.tv_sec, 3);  // 5 s of virtual waiting took no real 5 s
  ::close(timer);
  ::close(sv[0]);
  ::close(sv[1]);
}

}  // namespace
}  // namespace vugpu::fuzz
