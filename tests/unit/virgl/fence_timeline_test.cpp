// The plugin's 64-bit guest fence <-> 32-bit virglrenderer fence bookkeeping.
#include <gtest/gtest.h>
#include "fence_timeline.hpp"

namespace vugpu::virgl {
namespace {

TEST(FenceTimeline, RetiresEverythingUpToTheReportedFence) {
  FenceTimeline t;
  const uint32_t a = t.add(100), b = t.add(101), c = t.add(102);
  EXPECT_NE(a, 0u);
  EXPECT_EQ(t.retire_up_to(b), 101u);
  EXPECT_FALSE(t.is_pending(a));
  EXPECT_FALSE(t.is_pending(b));
  EXPECT_TRUE(t.is_pending(c));
  EXPECT_EQ(t.retire_up_to(b), std::nullopt);  // already retired: nothing new
  EXPECT_EQ(t.retire_up_to(c), 102u);
  EXPECT_EQ(t.pending(), 0u);
}

TEST(FenceTimeline, KeepsWholeGuestIds) {
  FenceTimeline t;
  const uint64_t big = 0xfedcba9876543210ull;
  const uint32_t id = t.add(big);
  EXPECT_EQ(t.retire_up_to(id), big);
}

TEST(FenceTimeline, ReportsTheHighestGuestIdOfARetiredBatch) {
  FenceTimeline t;
  t.add(9);
  t.add(4);  // a guest may number fences as it likes; the batch is still complete up to 9
  const uint32_t last = t.add(7);
  EXPECT_EQ(t.retire_up_to(last), 9u);
}

TEST(FenceTimeline, SurvivesTheThirtyTwoBitWrapAndNeverUsesZero) {
  FenceTimeline t(UINT32_MAX - 1);
  const uint32_t a = t.add(1), b = t.add(2), c = t.add(3);
  EXPECT_EQ(a, UINT32_MAX - 1);
  EXPECT_EQ(b, UINT32_MAX);
  EXPECT_EQ(c, 1u);  // 0 skipped
  EXPECT_EQ(t.retire_up_to(b), 2u);
  EXPECT_TRUE(t.is_pending(c));
  EXPECT_EQ(t.retire_up_to(c), 3u);
}

TEST(FenceTimeline, ForgottenFencesRetireSilentlyAndIdsGoOn) {
  FenceTimeline t;
  const uint32_t old = t.add(500);
  t.forget_pending();
  const uint32_t fresh = t.add(1);
  EXPECT_NE(fresh, old);
  EXPECT_EQ(t.retire_up_to(old), std::nullopt);
  EXPECT_EQ(t.retire_up_to(fresh), std::optional<uint64_t>(1));
}

TEST(FenceTimeline, DropNewestForgetsARefusedFence) {
  FenceTimeline t;
  const uint32_t a = t.add(1);
  const uint32_t b = t.add(2);
  t.drop_newest();
  EXPECT_FALSE(t.is_pending(b));
  EXPECT_TRUE(t.is_pending(a));
  EXPECT_EQ(t.retire_up_to(b), 1u);
}

}  // namespace
}  // namespace vugpu::virgl
