// EventLoop::post(): work posted from another thread wakes the loop; work a callback posts runs
// before that run_once() returns, in order, without a wake-up of its own (an eventfd write and
// read and an epoll_wait per post: two per flushed frame on the display path), short chains
// included; a chain that keeps posting ends the turn but never waits for an event not coming.
#include <gtest/gtest.h>
#include <chrono>
#include <thread>
#include <vector>
#include "loop/event_loop.hpp"

namespace vugpu {
namespace {

using Clock = std::chrono::steady_clock;

TEST(EventLoopPost, FromAnotherThreadWakesTheLoop) {
  EventLoop loop;
  bool ran = false;
  std::thread other([&] { loop.post([&] { ran = true; }); });
  other.join();
  ASSERT_TRUE(loop.run_once(5000));
  EXPECT_TRUE(ran);
}

TEST(EventLoopPost, WhatACallbackPostsRunsInTheSameTurnInOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.post([&] {
    order.push_back(1);
    loop.post([&] { order.push_back(3); });
    order.push_back(2);  // never inline
  });
  ASSERT_TRUE(loop.run_once(5000));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  // Nothing is left behind to wake the next turn: it waits its whole time-out.
  const auto start = Clock::now();
  ASSERT_TRUE(loop.run_once(50));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(40));
  EXPECT_EQ(order.size(), 3u);
}

TEST(EventLoopPost, AShortChainOfPostsRunsInOneTurn) {
  EventLoop loop;
  int links = 0;
  std::function<void()> link = [&] {
    if (++links < 3) loop.post(link);  // an UPDATE's completion -> the release -> the flush
  };
  loop.post(link);
  ASSERT_TRUE(loop.run_once(5000));
  EXPECT_EQ(links, 3);
}

TEST(EventLoopPost, AtEndOfTurnRunsAfterThePostedWorkOnce) {
  EventLoop loop;
  std::vector<int> order;
  loop.post([&] {
    loop.at_end_of_turn([&] { order.push_back(9); });
    loop.post([&] { order.push_back(2); });
    order.push_back(1);
  });
  ASSERT_TRUE(loop.run_once(5000));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 9}));
  ASSERT_TRUE(loop.run_once(0));
  EXPECT_EQ(order.size(), 3u) << "once";
  // Asked for outside a turn: the next turn is woken for it.
  loop.at_end_of_turn([&] { order.push_back(10); });
  const auto start = Clock::now();
  ASSERT_TRUE(loop.run_once(5000));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(order.back(), 10);
}

TEST(EventLoopPost, AChainThatKeepsPostingEndsEachTurnAndWakesTheNext) {
  EventLoop loop;
  int links = 0;
  std::function<void()> link = [&] {
    if (++links < 100) loop.post(link);
  };
  loop.post(link);
  int turns = 0;
  const auto start = Clock::now();
  while (links < 100 && turns < 1000) {
    ASSERT_TRUE(loop.run_once(5000));  // would wait 5 s if the chain's next link did not wake it
    ++turns;
  }
  EXPECT_EQ(links, 100);
  EXPECT_GT(turns, 1) << "a turn must end even while work keeps posting work";
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace vugpu
