// Descriptor chain walking: what a hostile or buggy guest can put in a descriptor table.
#include <gtest/gtest.h>
#include <cstring>
#include "test_support.hpp"
#include "vhost-user/descriptor_chain.hpp"

namespace vugpu::vhost {
namespace {

using test::DescSpec;
using test::DriverRing;
using test::GuestRam;

constexpr uint64_t kRamBytes = 1 << 20;
constexpr uint32_t kNum = 16;
constexpr uint64_t kRingGpa = 0x1000;
constexpr uint64_t kBuf = 0x10000;   // data buffers
constexpr uint64_t kTable = 0x8000;  // indirect tables

class DescriptorChainTest : public ::testing::Test {
 protected:
  DescriptorChainTest() : ram_(kRamBytes), ring_(ram_, kNum, kRingGpa) { memory_.add(ram_.region()); }

  ChainError walk(uint16_t head, bool indirect = true) {
    return walk_chain(ram_.at(ring_.desc_gpa()), kNum, head, memory_, indirect, limits_, chain_);
  }

  GuestRam ram_;
  DriverRing ring_;
  GuestMemory memory_;
  ChainLimits limits_;
  CommandChain chain_;
};

TEST_F(DescriptorChainTest, ReadableThenWritableBecomeHostViewsInOrder) {
  std::memcpy(ram_.at(kBuf), "request!", 8);
  ring_.write_chain(3, {{kBuf, 8, 0}, {kBuf + 100, 24, 0}, {kBuf + 0x1000, 64, kDescFlagWrite}});
  ASSERT_EQ(walk(3), ChainError::None);
  EXPECT_EQ(chain_.head, 3);
  ASSERT_EQ(chain_.readable.size(), 2u);
  ASSERT_EQ(chain_.writable.size(), 1u);
  EXPECT_EQ(chain_.readable[0].iov_base, ram_.at(kBuf));
  EXPECT_EQ(chain_.readable[0].iov_len, 8u);
  EXPECT_EQ(std::memcmp(chain_.readable[0].iov_base, "request!", 8), 0);
  EXPECT_EQ(chain_.readable[1].iov_base, ram_.at(kBuf + 100));
  EXPECT_EQ(chain_.writable[0].iov_base, ram_.at(kBuf + 0x1000));
  EXPECT_EQ(chain_.writable[0].iov_len, 64u);
}

TEST_F(DescriptorChainTest, LoopIsDetected) {
  ring_.write_desc(0, kBuf, 8, kDescFlagNext, 1);
  ring_.write_desc(1, kBuf, 8, kDescFlagNext, 2);
  ring_.write_desc(2, kBuf, 8, kDescFlagNext, 0);
  EXPECT_EQ(walk(0), ChainError::Loop);
}

TEST_F(DescriptorChainTest, SelfLoopIsDetected) {
  ring_.write_desc(5, kBuf, 8, kDescFlagNext, 5);
  EXPECT_EQ(walk(5), ChainError::Loop);
}

TEST_F(DescriptorChainTest, ChainAsLongAsTheTableIsAccepted) {
  for (uint16_t i = 0; i < kNum; ++i)
    ring_.write_desc(i, kBuf + i * 16, 16, i + 1u < kNum ? kDescFlagNext : 0, static_cast<uint16_t>(i + 1));
  ASSERT_EQ(walk(0), ChainError::None);
  EXPECT_EQ(chain_.readable.size(), kNum);
}

TEST_F(DescriptorChainTest, OutOfRangeIndicesAreRefused) {
  EXPECT_EQ(walk(kNum), ChainError::HeadOutOfRange);
  EXPECT_EQ(walk(0xffff), ChainError::HeadOutOfRange);
  ring_.write_desc(0, kBuf, 8, kDescFlagNext, kNum);
  EXPECT_EQ(walk(0), ChainError::NextOutOfRange);
}

TEST_F(DescriptorChainTest, ReadableAfterWritableIsRefused) {
  ring_.write_chain(0, {{kBuf, 8, kDescFlagWrite}, {kBuf + 8, 8, 0}});
  EXPECT_EQ(walk(0), ChainError::ReadableAfterWritable);
}

TEST_F(DescriptorChainTest, BuffersOutsideMemoryAreRefused) {
  ring_.write_chain(0, {{kRamBytes - 4, 8, 0}});  // crosses the end of RAM
  EXPECT_EQ(walk(0), ChainError::BadAddress);
  ring_.write_chain(0, {{kRamBytes + 0x1000, 8, 0}});  // past it
  EXPECT_EQ(walk(0), ChainError::BadAddress);
  ring_.write_chain(0, {{~uint64_t{0} - 3, 8, 0}});  // gpa + len wraps 64 bits
  EXPECT_EQ(walk(0), ChainError::BadAddress);
}

TEST_F(DescriptorChainTest, ZeroLengthBufferIsHarmless) {
  ring_.write_chain(0, {{kBuf, 0, 0}, {kBuf, 4, kDescFlagWrite}});
  ASSERT_EQ(walk(0), ChainError::None);
  EXPECT_TRUE(chain_.readable.empty());
  EXPECT_EQ(chain_.writable.size(), 1u);
}

TEST_F(DescriptorChainTest, MoreThan4GiBOnOneSideIsRefused) {
  ring_.write_chain(0, {{kBuf, 2, 0}, {kBuf, 0xffffffffu, 0}});  // the sum is checked before translation
  EXPECT_EQ(walk(0), ChainError::TooLarge);
}

TEST_F(DescriptorChainTest, BufferAcrossTwoRegionsIsSplit) {
  GuestMemory split;
  split.add(MemoryRegion::borrow(0, ram_.at(0), kRamBytes / 2, GuestRam::kUvaBase));
  split.add(MemoryRegion::borrow(kRamBytes / 2, ram_.at(kRamBytes / 2), kRamBytes / 2, GuestRam::kUvaBase + kRamBytes / 2));
  ring_.write_chain(0, {{kRamBytes / 2 - 16, 32, 0}});
  ASSERT_EQ(walk_chain(ram_.at(ring_.desc_gpa()), kNum, 0, split, true, limits_, chain_), ChainError::None);
  ASSERT_EQ(chain_.readable.size(), 2u);
  EXPECT_EQ(chain_.readable[0].iov_len, 16u);
  EXPECT_EQ(chain_.readable[1].iov_len, 16u);
  EXPECT_EQ(chain_.readable[1].iov_base, ram_.at(kRamBytes / 2));

  limits_.max_fragments = 1;
  EXPECT_EQ(walk_chain(ram_.at(ring_.desc_gpa()), kNum, 0, split, true, limits_, chain_), ChainError::TooManyFragments);
}

TEST_F(DescriptorChainTest, IndirectTableIsFlattened) {
  const uint32_t len = ring_.write_indirect(kTable, {{kBuf, 24, 0}, {kBuf + 24, 8, 0}, {kBuf + 64, 32, kDescFlagWrite}});
  ring_.write_desc(2, kTable, len, kDescFlagIndirect | kDescFlagWrite /* ignored */, 0);
  ASSERT_EQ(walk(2), ChainError::None);
  EXPECT_EQ(chain_.head, 2);
  ASSERT_EQ(chain_.readable.size(), 2u);
  ASSERT_EQ(chain_.writable.size(), 1u);
  EXPECT_EQ(chain_.readable[1].iov_base, ram_.at(kBuf + 24));
  EXPECT_EQ(chain_.writable[0].iov_len, 32u);
}

TEST_F(DescriptorChainTest, IndirectWithoutTheFeatureIsRefused) {
  const uint32_t len = ring_.write_indirect(kTable, {{kBuf, 8, 0}});
  ring_.write_desc(0, kTable, len, kDescFlagIndirect, 0);
  EXPECT_EQ(walk(0, /*indirect=*/false), ChainError::IndirectNotNegotiated);
}

TEST_F(DescriptorChainTest, IndirectTableSizeMustBeWholeDescriptors) {
  ring_.write_indirect(kTable, {{kBuf, 8, 0}, {kBuf, 8, 0}});
  ring_.write_desc(0, kTable, 24, kDescFlagIndirect, 0);
  EXPECT_EQ(walk(0), ChainError::IndirectBadSize);
  ring_.write_desc(0, kTable, 0, kDescFlagIndirect, 0);
  EXPECT_EQ(walk(0), ChainError::IndirectBadSize);
  limits_.max_indirect_descriptors = 1;
  ring_.write_desc(0, kTable, 32, kDescFlagIndirect, 0);
  EXPECT_EQ(walk(0), ChainError::IndirectBadSize);
}

TEST_F(DescriptorChainTest, NestedIndirectIsRefused) {
  const uint32_t inner = ring_.write_indirect(kTable + 0x100, {{kBuf, 8, 0}});
  const uint32_t outer = ring_.write_indirect(kTable, {{kTable + 0x100, inner, kDescFlagIndirect}});
  ring_.write_desc(0, kTable, outer, kDescFlagIndirect, 0);
  EXPECT_EQ(walk(0), ChainError::NestedIndirect);
}

TEST_F(DescriptorChainTest, IndirectWithNextOrAfterOtherDescriptorsIsRefused) {
  const uint32_t len = ring_.write_indirect(kTable, {{kBuf, 8, 0}});
  ring_.write_desc(0, kTable, len, kDescFlagIndirect | kDescFlagNext, 1);
  ring_.write_desc(1, kBuf, 8, 0, 0);
  EXPECT_EQ(walk(0), ChainError::IndirectWithNext);
  ring_.write_desc(0, kBuf, 8, kDescFlagNext, 1);
  ring_.write_desc(1, kTable, len, kDescFlagIndirect, 0);
  EXPECT_EQ(walk(0), ChainError::IndirectNotFirst);
}

TEST_F(DescriptorChainTest, IndirectTableOutsideMemoryOrLoopingIsRefused) {
  ring_.write_desc(0, kRamBytes - 16, 32, kDescFlagIndirect, 0);
  EXPECT_EQ(walk(0), ChainError::IndirectBadAddress);
  // Two entries pointing at each other.
  uint8_t* t = ram_.at(kTable);
  for (uint16_t i = 0; i < 2; ++i) {
    const uint64_t addr = kBuf;
    const uint32_t len = 8;
    const uint16_t flags = kDescFlagNext, next = static_cast<uint16_t>(1 - i);
    std::memcpy(t + 16 * i, &addr, 8);
    std::memcpy(t + 16 * i + 8, &len, 4);
    std::memcpy(t + 16 * i + 12, &flags, 2);
    std::memcpy(t + 16 * i + 14, &next, 2);
  }
  ring_.write_desc(0, kTable, 32, kDescFlagIndirect, 0);
  EXPECT_EQ(walk(0), ChainError::Loop);
  // next past the indirect table's end.
  const uint16_t far = 7;
  std::memcpy(t + 14, &far, 2);
  EXPECT_EQ(walk(0), ChainError::NextOutOfRange);
}

}  // namespace
}  // namespace vugpu::vhost
