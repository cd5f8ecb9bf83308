// Fake guest RAM for device tests: two regions that are adjacent in guest physical addresses
// but not in host memory (like RAM split by a PCI hole), registered with a real GuestMemory
// (MemoryRegion::borrow). Pages are handed out in shuffled order, so backings are scattered.
#pragma once
#include <linux/virtio_gpu.h>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>
#include "memory/guest_memory.hpp"

namespace vugpu::test {

inline constexpr uint64_t kPage = 4096;

// A guest backing as the driver describes it: mem entries, plus a way to fill it linearly.
struct Backing {
  std::vector<virtio_gpu_mem_entry> entries;
  uint64_t size = 0;
};

class GuestRam {
 public:
  static constexpr uint64_t kBase = 0x100000;  // gpa of the first page

  // `pages` pages in two regions of pages/2 each; `seed` fixes the shuffle.
  explicit GuestRam(size_t pages = 2048, uint32_t seed = 1);

  GuestMemory& memory() { return memory_; }
  uint64_t end_gpa() const { return kBase + pages_ * kPage; }
  uint64_t boundary_gpa() const { return kBase + (pages_ / 2) * kPage; }  // where the regions meet

  // Host address of a guest address (must be inside).
  uint8_t* host(uint64_t gpa);

  // A backing of `bytes` in one entry per page, pages in shuffled order.
  Backing scattered_pages(uint64_t bytes);
  // A backing of `bytes` in entries of random lengths (1..4096) that start at random offsets
  // inside shuffled pages: boundaries fall anywhere, including inside pixels.
  Backing scattered_chunks(uint64_t bytes);
  // One entry over contiguous guest pages starting at `gpa`.
  Backing contiguous(uint64_t gpa, uint64_t bytes);

  // Linear access to a backing through its entries.
  void write(const Backing& b, uint64_t offset, std::span<const uint8_t> data);
  void read(const Backing& b, uint64_t offset, std::span<uint8_t> out);

  std::mt19937& rng() { return rng_; }

 private:
  uint64_t take_page();
  void copy_guest(uint64_t gpa, size_t n, uint8_t* data, bool to_guest);

  size_t pages_;
  std::unique_ptr<uint8_t[]> low_, high_;
  GuestMemory memory_;
  std::vector<uint64_t> free_pages_;
  std::mt19937 rng_;
};

}  // namespace vugpu::test
