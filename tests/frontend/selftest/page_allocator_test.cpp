#include <gtest/gtest.h>
#include <algorithm>
#include <set>
#include "page_allocator.hpp"

using namespace vugpu::frontend;

TEST(PageAllocator, NeverHandsOutPageZeroAndFreesOnDestruction) {
  GuestRam ram(64 * 4096);
  PageAllocator alloc(ram);
  const uint64_t before = alloc.free_bytes();
  {
    GuestAllocation a = alloc.allocate(3 * 4096 + 1);
    ASSERT_EQ(a.extents().size(), 1u);
    EXPECT_NE(a.gpa(), 0u);
    EXPECT_EQ(a.extents()[0].len, 4 * 4096u);
    EXPECT_EQ(a.entries()[0].len, 3 * 4096u + 1) << "entries are trimmed to the size asked for";
    EXPECT_EQ(alloc.free_bytes(), before - 4 * 4096);
  }
  EXPECT_EQ(alloc.free_bytes(), before);
}

TEST(PageAllocator, ScatteredPagesAreDistinctAndNotInOrder) {
  GuestRam ram(1024 * 4096);
  PageAllocator alloc(ram);
  GuestAllocation a = alloc.allocate(100 * 4096, Placement::Scattered);
  ASSERT_EQ(a.extents().size(), 100u);
  std::set<uint64_t> pages;
  bool ascending = true;
  for (size_t i = 0; i < a.extents().size(); ++i) {
    pages.insert(a.extents()[i].gpa);
    if (i && a.extents()[i].gpa != a.extents()[i - 1].gpa + 4096) ascending = false;
  }
  EXPECT_EQ(pages.size(), 100u);
  EXPECT_FALSE(ascending);
  // Byte access goes through the extents in order.
  std::vector<uint8_t> data(100 * 4096);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7);
  a.write(0, data);
  std::vector<uint8_t> back(data.size());
  a.read(0, back);
  EXPECT_EQ(back, data);
  EXPECT_EQ(*ram.host(a.extents()[1].gpa), data[4096]);
}

TEST(PageAllocator, ContiguousRunsStayInsideOneRegion) {
  GuestRam ram(64 * 4096, 2);
  ASSERT_EQ(ram.regions().size(), 2u);
  EXPECT_EQ(ram.regions()[1].gpa, GuestRam::kHighRegionGpa);
  EXPECT_EQ(ram.host(ram.unmapped_gpa()), nullptr);
  PageAllocator alloc(ram);
  std::vector<GuestAllocation> all;
  for (;;) {
    GuestAllocation a = alloc.allocate(5 * 4096);
    if (a.empty()) break;
    EXPECT_NE(ram.host(a.gpa(), 5 * 4096), nullptr) << "run crosses a region end at " << a.gpa();
    all.push_back(std::move(a));
  }
  EXPECT_EQ(all.size(), 12u);  // 31 usable pages low (page 0 reserved) -> 6 runs, 32 high -> 6 runs
}

TEST(PageAllocator, AllocatesInsideTheRegionAskedFor) {
  GuestRam ram(64 * 4096, 2);
  PageAllocator alloc(ram);
  GuestAllocation high = alloc.allocate_in_region(1, 8 * 4096);
  ASSERT_FALSE(high.empty());
  EXPECT_GE(high.gpa(), GuestRam::kHighRegionGpa);
  GuestAllocation low = alloc.allocate_in_region(0, 8 * 4096);
  ASSERT_FALSE(low.empty());
  EXPECT_LT(low.gpa(), GuestRam::kHighRegionGpa);
  EXPECT_TRUE(alloc.allocate_in_region(1, 40 * 4096).empty()) << "more than the region holds";
  EXPECT_TRUE(alloc.allocate_in_region(2, 4096).empty()) << "no such region";
}
