// The split ring's index arithmetic: avail/used wrap at 65536, corrupt avail indices, and the
// interrupt suppression rules (VRING_AVAIL_F_NO_INTERRUPT, event index).
#include <gtest/gtest.h>
#include "test_support.hpp"
#include "vhost-user/protocol.hpp"
#include "vhost-user/split_ring.hpp"

namespace vugpu::vhost {
namespace {

using test::DriverRing;
using test::GuestRam;

constexpr uint32_t kNum = 8;
constexpr uint64_t kBuf = 0x10000;

class SplitRingTest : public ::testing::Test {
 protected:
  SplitRingTest() : ram_(1 << 20), driver_(ram_, kNum, 0x1000) {
    memory_.add(ram_.region());
    // Every descriptor is a one-buffer chain: request of 8 bytes + nothing writable.
    for (uint16_t i = 0; i < kNum; ++i) driver_.write_desc(i, kBuf + 64 * i, 8, 0, 0);
  }
  void attach() { ring_.attach(kNum, ram_.at(driver_.desc_gpa()), ram_.at(driver_.avail_gpa()), ram_.at(driver_.used_gpa())); }
  SplitRing::PopResult pop() { return ring_.pop(memory_, true, limits_, chain_); }

  GuestRam ram_;
  DriverRing driver_;
  GuestMemory memory_;
  SplitRing ring_;
  ChainLimits limits_;
  CommandChain chain_;
};

TEST_F(SplitRingTest, SizesFollowTheSpec) {
  EXPECT_TRUE(SplitRing::valid_size(1));
  EXPECT_TRUE(SplitRing::valid_size(256));
  EXPECT_TRUE(SplitRing::valid_size(32768));
  EXPECT_FALSE(SplitRing::valid_size(0));
  EXPECT_FALSE(SplitRing::valid_size(48));
  EXPECT_FALSE(SplitRing::valid_size(65536));
  EXPECT_EQ(SplitRing::desc_bytes(256), 4096u);
  EXPECT_EQ(SplitRing::avail_bytes(256), 6u + 512u);
  EXPECT_EQ(SplitRing::used_bytes(256), 6u + 2048u);
}

TEST_F(SplitRingTest, PopsChainsInAvailOrder) {
  attach();
  EXPECT_EQ(pop().kind, SplitRing::PopKind::Empty);
  driver_.make_available(5);
  driver_.make_available(2);
  auto r = pop();
  ASSERT_EQ(r.kind, SplitRing::PopKind::Chain);
  EXPECT_EQ(r.head, 5);
  EXPECT_EQ(chain_.readable[0].iov_base, ram_.at(kBuf + 64 * 5));
  r = pop();
  ASSERT_EQ(r.kind, SplitRing::PopKind::Chain);
  EXPECT_EQ(r.head, 2);
  EXPECT_EQ(pop().kind, SplitRing::PopKind::Empty);
  EXPECT_EQ(ring_.last_avail_idx(), 2);
}

TEST_F(SplitRingTest, AvailIndexWrapsAt65536) {
  ring_.set_last_avail_idx(65534);
  driver_.set_avail_idx(65534);
  attach();
  for (uint16_t h : {1, 2, 3, 4}) driver_.make_available(h);
  EXPECT_EQ(driver_.avail_idx(), 2);  // wrapped
  for (uint16_t h : {1, 2, 3, 4}) {
    auto r = pop();
    ASSERT_EQ(r.kind, SplitRing::PopKind::Chain);
    EXPECT_EQ(r.head, h);
  }
  EXPECT_EQ(pop().kind, SplitRing::PopKind::Empty);
  EXPECT_EQ(ring_.last_avail_idx(), 2);
}

TEST_F(SplitRingTest, AvailIndexJumpingPastTheRingBreaksIt) {
  attach();
  driver_.set_avail_idx(kNum + 1);
  EXPECT_EQ(pop().kind, SplitRing::PopKind::Broken);
  // Exactly a full ring is fine.
  driver_.set_avail_idx(kNum);
  EXPECT_EQ(pop().kind, SplitRing::PopKind::Chain);
}

TEST_F(SplitRingTest, HeadPastTheTableBreaksTheRing) {
  attach();
  driver_.make_available(kNum);  // no such descriptor: no valid id to complete it with
  EXPECT_EQ(pop().kind, SplitRing::PopKind::Broken);
}

TEST_F(SplitRingTest, BadChainKeepsItsHeadForCompletion) {
  attach();
  driver_.write_desc(3, 1ull << 40, 8, 0, 0);  // outside RAM
  driver_.make_available(3);
  const auto r = pop();
  EXPECT_EQ(r.kind, SplitRing::PopKind::BadChain);
  EXPECT_EQ(r.head, 3);
  EXPECT_EQ(r.error, ChainError::BadAddress);
}

TEST_F(SplitRingTest, UsedRingIsWrittenAndWraps) {
  driver_.set_used_idx(65535);
  attach();  // continues where the used ring stands
  EXPECT_EQ(ring_.used_idx(), 65535);
  ring_.push_used(4, 100);
  ring_.push_used(6, 200);
  EXPECT_EQ(driver_.used_idx(), 1);
  EXPECT_EQ(driver_.used(65535).id, 4u);
  EXPECT_EQ(driver_.used(65535).len, 100u);
  EXPECT_EQ(driver_.used(0).id, 6u);
  EXPECT_EQ(driver_.used(0).len, 200u);
}

TEST_F(SplitRingTest, NoInterruptFlagSuppressesNotification) {
  attach();
  ring_.push_used(0, 1);
  EXPECT_TRUE(ring_.need_notify(false));
  EXPECT_FALSE(ring_.need_notify(false));  // nothing new since
  driver_.set_avail_flags(kAvailFlagNoInterrupt);
  ring_.push_used(1, 1);
  EXPECT_FALSE(ring_.need_notify(false));
  driver_.set_avail_flags(0);
  ring_.push_used(2, 1);
  EXPECT_TRUE(ring_.need_notify(false));
}

TEST(EventIndex, MathFollowsTheSpec) {
  // Notify when used_event lies in [old, new).
  EXPECT_TRUE(need_event(0, 1, 0));
  EXPECT_FALSE(need_event(1, 1, 0));
  EXPECT_TRUE(need_event(2, 5, 1));
  EXPECT_TRUE(need_event(4, 5, 1));
  EXPECT_FALSE(need_event(5, 5, 1));
  EXPECT_FALSE(need_event(0, 5, 1));
  // Across the wrap.
  EXPECT_TRUE(need_event(65535, 2, 65534));
  EXPECT_TRUE(need_event(1, 2, 65534));
  EXPECT_FALSE(need_event(2, 2, 65534));
  EXPECT_FALSE(need_event(65533, 2, 65534));
}

TEST_F(SplitRingTest, EventIndexDecidesNotification) {
  attach();
  ring_.push_used(0, 1);
  EXPECT_TRUE(ring_.need_notify(true));  // first time: always
  driver_.set_used_event(5);             // driver wants an interrupt once used passes 5
  ring_.push_used(1, 1);
  ring_.push_used(2, 1);                 // used idx 3
  EXPECT_FALSE(ring_.need_notify(true));
  for (uint16_t h = 3; h < 6; ++h) ring_.push_used(h, 1);  // used idx 6: passed 5
  EXPECT_TRUE(ring_.need_notify(true));
  ring_.push_used(6, 1);
  EXPECT_FALSE(ring_.need_notify(true));  // 5 is behind us now
}

TEST_F(SplitRingTest, EventIndexAcrossTheWrap) {
  driver_.set_used_idx(65533);
  attach();
  ring_.push_used(0, 1);
  EXPECT_TRUE(ring_.need_notify(true));  // used 65534
  driver_.set_used_event(0);
  ring_.push_used(1, 1);                 // 65535
  EXPECT_FALSE(ring_.need_notify(true));
  ring_.push_used(2, 1);                 // 0 (event 0 not passed yet: notify when used goes past it)
  EXPECT_FALSE(ring_.need_notify(true));
  ring_.push_used(3, 1);                 // 1
  EXPECT_TRUE(ring_.need_notify(true));
}

TEST_F(SplitRingTest, AvailEventIsPublishedAndRacesAreCaught) {
  attach();
  driver_.make_available(1);
  ASSERT_EQ(pop().kind, SplitRing::PopKind::Chain);
  EXPECT_FALSE(ring_.publish_avail_event());
  EXPECT_EQ(driver_.avail_event(), 1);
  driver_.make_available(2);  // the driver added one after we looked
  EXPECT_TRUE(ring_.publish_avail_event());
}

}  // namespace
}  // namespace vugpu::vhost
