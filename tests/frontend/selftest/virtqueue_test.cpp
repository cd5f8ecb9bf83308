// The driver side of the split virtqueue, checked against a hand-written "device" that reads
// and writes the rings in guest RAM as the virtio spec lays them out.
#include <gtest/gtest.h>
#include <cstring>
#include "split_virtqueue.hpp"

using namespace vugpu::frontend;

namespace {

struct FakeDevice {  // reads avail, writes used, exactly at the spec's offsets
  GuestRam& ram;
  SplitVirtqueue& vq;
  uint16_t last_avail = 0, used_idx = 0;

  uint16_t avail_idx() const { uint16_t v; std::memcpy(&v, ram.host(vq.avail_gpa() + 2, 2), 2); return v; }
  uint16_t next_head() {
    uint16_t v;
    std::memcpy(&v, ram.host(vq.avail_gpa() + 4 + 2 * (last_avail % vq.size()), 2), 2);
    ++last_avail;
    return v;
  }
  Descriptor desc(uint16_t i) const { Descriptor d; std::memcpy(&d, ram.host(vq.desc_gpa() + 16 * i, 16), 16); return d; }
  void push_used(uint32_t id, uint32_t len) {
    uint32_t e[2] = {id, len};
    std::memcpy(ram.host(vq.used_gpa() + 4 + 8 * (used_idx % vq.size()), 8), e, 8);
    ++used_idx;
    std::memcpy(ram.host(vq.used_gpa() + 2, 2), &used_idx, 2);
  }
  void set_used_flags(uint16_t f) { std::memcpy(ram.host(vq.used_gpa(), 2), &f, 2); }
  void set_avail_event(uint16_t v) { std::memcpy(ram.host(vq.used_gpa() + 4 + 8 * vq.size(), 2), &v, 2); }
  uint16_t used_event() const { uint16_t v; std::memcpy(&v, ram.host(vq.avail_gpa() + 4 + 2 * vq.size(), 2), 2); return v; }
};

}  // namespace

TEST(SplitVirtqueue, ChainIsLinkedWithFlagsAndFreedWhenUsed) {
  GuestRam ram(1 << 20);
  PageAllocator alloc(ram);
  SplitVirtqueue vq(alloc, 8, false);
  FakeDevice dev{ram, vq};
  const BufferRef bufs[] = {{0x10000, 24, false}, {0x11000, 8, false}, {0x12000, 64, true}};
  auto head = vq.add_chain(bufs);
  ASSERT_TRUE(head);
  EXPECT_EQ(vq.free_descriptors(), 5);
  EXPECT_EQ(dev.avail_idx(), 0) << "not visible before publish";
  vq.publish(*head);
  ASSERT_EQ(dev.avail_idx(), 1);
  uint16_t i = dev.next_head();
  EXPECT_EQ(i, *head);
  for (int n = 0; n < 3; ++n) {
    const Descriptor d = dev.desc(i);
    EXPECT_EQ(d.addr, bufs[n].gpa);
    EXPECT_EQ(d.len, bufs[n].len);
    EXPECT_EQ(bool(d.flags & kDescWrite), bufs[n].writable);
    EXPECT_EQ(bool(d.flags & kDescNext), n < 2);
    i = d.next;
  }
  EXPECT_FALSE(vq.has_used());
  dev.push_used(*head, 10);
  auto used = vq.pop_used();
  ASSERT_TRUE(used);
  EXPECT_EQ(used->id, *head);
  EXPECT_EQ(used->len, 10u);
  EXPECT_EQ(vq.free_descriptors(), 8);
  EXPECT_TRUE(vq.errors().empty());
}

TEST(SplitVirtqueue, IndirectChainUsesOneSlotAndATable) {
  GuestRam ram(1 << 20);
  PageAllocator alloc(ram);
  SplitVirtqueue vq(alloc, 4, false);
  FakeDevice dev{ram, vq};
  const BufferRef bufs[] = {{0x20000, 40, false}, {0x21000, 24, true}};
  auto head = vq.add_indirect(bufs, 0x30000);
  ASSERT_TRUE(head);
  EXPECT_EQ(vq.free_descriptors(), 3);
  const Descriptor d = dev.desc(*head);
  EXPECT_EQ(d.flags, kDescIndirect);
  EXPECT_EQ(d.addr, 0x30000u);
  EXPECT_EQ(d.len, 32u);
  Descriptor t[2];
  std::memcpy(t, ram.host(0x30000, 32), 32);
  EXPECT_EQ(t[0].addr, 0x20000u);
  EXPECT_EQ(t[0].flags, kDescNext);
  EXPECT_EQ(t[0].next, 1);
  EXPECT_EQ(t[1].flags, kDescWrite);
}

TEST(SplitVirtqueue, RecordsDeviceMistakes) {
  GuestRam ram(1 << 20);
  PageAllocator alloc(ram);
  SplitVirtqueue vq(alloc, 4, false);
  FakeDevice dev{ram, vq};
  const BufferRef bufs[] = {{0x10000, 8, false}, {0x11000, 16, true}};
  auto head = vq.add_chain(bufs);
  vq.publish(*head);
  dev.push_used(*head, 17);  // one more than writable
  vq.pop_used();
  ASSERT_EQ(vq.errors().size(), 1u);
  EXPECT_NE(vq.errors()[0].find("17 bytes written"), std::string::npos);
  dev.push_used(*head, 0);  // no longer outstanding
  vq.pop_used();
  EXPECT_EQ(vq.errors().size(), 2u);
}

TEST(SplitVirtqueue, KickFollowsNoNotifyWithoutEventIdx) {
  GuestRam ram(1 << 20);
  PageAllocator alloc(ram);
  SplitVirtqueue vq(alloc, 4, false);
  FakeDevice dev{ram, vq};
  const BufferRef b[] = {{0x10000, 8, false}};
  vq.publish(*vq.add_chain(b));
  EXPECT_TRUE(vq.kick_needed());
  EXPECT_FALSE(vq.kick_needed()) << "nothing new since the last kick";
  dev.set_used_flags(kUsedNoNotify);
  vq.publish(*vq.add_chain(b));
  EXPECT_FALSE(vq.kick_needed());
}

TEST(SplitVirtqueue, KickAndInterruptFollowEventIdx) {
  GuestRam ram(1 << 20);
  PageAllocator alloc(ram);
  SplitVirtqueue vq(alloc, 8, true);
  FakeDevice dev{ram, vq};
  const BufferRef b[] = {{0x10000, 8, false}};
  dev.set_avail_event(0);  // device wants a kick when avail idx passes 0
  vq.publish(*vq.add_chain(b));
  EXPECT_TRUE(vq.kick_needed());
  dev.set_avail_event(5);  // device is busy until 5
  vq.publish(*vq.add_chain(b));
  EXPECT_FALSE(vq.kick_needed());
  dev.push_used(dev.next_head(), 0);
  vq.pop_used();
  vq.arm_interrupt();
  EXPECT_EQ(dev.used_event(), 1) << "used_event = entries consumed so far";
}

TEST(SplitVirtqueue, FullTableRefusesChains) {
  GuestRam ram(1 << 20);
  PageAllocator alloc(ram);
  SplitVirtqueue vq(alloc, 2, false);
  const BufferRef b[] = {{0x10000, 8, false}, {0x11000, 8, true}, {0x12000, 8, true}};
  EXPECT_FALSE(vq.add_chain(b)) << "3 descriptors on a 2-entry queue";
  EXPECT_EQ(vq.free_descriptors(), 2);
}
