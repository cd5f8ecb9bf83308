// The guest driver's page allocator: hands out 4 KiB pages of guest RAM for virtqueues, command
// buffers and resource backing. "Scattered" placement gives pages in random order, as a long-
// running guest's allocator does, so backing entries are neither contiguous nor sorted.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <vector>
#include "guest_ram.hpp"

namespace vugpu::frontend {

struct Extent {
  uint64_t gpa = 0;
  uint64_t len = 0;
};

enum class Placement { Contiguous, Scattered };

class PageAllocator;

// Pages owned by one user; returned to the allocator when destroyed. Move-only. It may outlive
// its allocator (a test that reconnects with a new VMM): then releasing does nothing and any
// access throws std::logic_error instead of touching freed memory.
class GuestAllocation {
 public:
  GuestAllocation() = default;
  GuestAllocation(PageAllocator* owner, std::weak_ptr<void> owner_alive, std::vector<Extent> extents, uint64_t size);
  GuestAllocation(GuestAllocation&& o) noexcept;
  GuestAllocation& operator=(GuestAllocation&& o) noexcept;
  GuestAllocation(const GuestAllocation&) = delete;
  GuestAllocation& operator=(const GuestAllocation&) = delete;
  ~GuestAllocation();

  uint64_t size() const { return size_; }  // bytes asked for (extents cover at least this)
  const std::vector<Extent>& extents() const { return extents_; }
  bool empty() const { return extents_.empty(); }
  uint64_t gpa() const { return extents_.empty() ? 0 : extents_[0].gpa; }  // contiguous ones

  // Byte access through the extents, in order (offset counts from the first extent).
  void write(uint64_t offset, std::span<const uint8_t> bytes);
  void read(uint64_t offset, std::span<uint8_t> out) const;
  void fill(uint8_t value);
  // Host pointer to a contiguous allocation (one extent); null otherwise.
  uint8_t* host() const;
  // Extents trimmed to size(), as a guest puts them in ATTACH_BACKING.
  std::vector<Extent> entries() const;

  void release();

 private:
  PageAllocator& owner() const;

  PageAllocator* owner_ = nullptr;
  std::weak_ptr<void> owner_alive_;
  std::vector<Extent> extents_;
  uint64_t size_ = 0;
};

class PageAllocator {
 public:
  // Pages of `ram`, less the first `reserved_bytes` of the first region (page 0 is always
  // reserved so that guest address 0 is never a valid buffer).
  PageAllocator(GuestRam& ram, uint64_t reserved_bytes = GuestRam::kPageSize, uint32_t seed = 1);

  GuestRam& ram() { return ram_; }

  // `bytes` rounded up to pages. Contiguous: one extent inside one region. Scattered: one
  // extent per page, random order. Empty allocation (no extents) when memory is exhausted.
  GuestAllocation allocate(uint64_t bytes, Placement placement = Placement::Contiguous);
  // Contiguous pages inside guest RAM region `region` (e.g. the high one, to unplug it later).
  GuestAllocation allocate_in_region(size_t region, uint64_t bytes);
  uint64_t free_bytes() const { return free_pages_ * GuestRam::kPageSize; }

 private:
  friend class GuestAllocation;
  void free(const Extent& e);
  std::optional<size_t> find_run(size_t pages, size_t first = 0, size_t end = SIZE_MAX);
  uint64_t page_gpa(size_t index) const;
  std::optional<size_t> page_index(uint64_t gpa) const;

  GuestRam& ram_;
  std::shared_ptr<void> alive_ = std::make_shared<char>(0);  // allocations watch it (weak)
  std::vector<bool> used_;             // one per page of all regions, region after region
  std::vector<size_t> region_first_;   // first page index of each region
  size_t free_pages_ = 0;
  size_t hint_ = 0;                    // next-fit start
  std::mt19937 rng_;
};

}  // namespace vugpu::frontend
