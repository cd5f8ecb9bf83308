// Guest RAM as a VMM has it: one memfd, mapped shared here and handed to the backend with
// SET_MEM_TABLE. Optionally split in two regions with a hole between them (the second at 4 GiB,
// as on a PC with more RAM than fits below the PCI hole), so tests can aim descriptors at
// addresses that are not RAM and at buffers that cross a region boundary.
#pragma once
#include <cstdint>
#include <cstddef>
#include <span>
#include <vector>
#include "vugpu/unique_fd.hpp"

namespace vugpu::frontend {

struct RamRegion {
  uint64_t gpa = 0;          // guest physical address
  uint64_t size = 0;
  uint64_t mmap_offset = 0;  // offset in the memfd
  uint8_t* host = nullptr;   // our mapping; also what we send as the "userspace address"
};

class GuestRam {
 public:
  static constexpr uint64_t kPageSize = 4096;
  static constexpr uint64_t kHighRegionGpa = uint64_t{4} << 30;

  // bytes: total RAM (page multiple); regions: 1, or 2 (halves; the second at 4 GiB).
  // sealed: F_SEAL_SHRINK | F_SEAL_GROW, as QEMU's memory-backend-memfd does by default (seal=on),
  // so nobody can truncate the RAM under the backend; false plays a VMM with seal=off.
  explicit GuestRam(uint64_t bytes, unsigned regions = 1, bool sealed = true);
  ~GuestRam();
  GuestRam(const GuestRam&) = delete;
  GuestRam& operator=(const GuestRam&) = delete;

  int fd() const { return memfd_.get(); }
  uint64_t size() const { return size_; }
  const std::vector<RamRegion>& regions() const { return regions_; }

  // Host pointer for [gpa, gpa + len) when it lies inside one region, else null.
  uint8_t* host(uint64_t gpa, uint64_t len = 1) const;
  // The "userspace address" (QEMU's virtual address) of a guest physical address, as the
  // vhost-user messages carry it; 0 when gpa is not RAM.
  uint64_t uva(uint64_t gpa) const;
  // A guest physical address with no RAM behind it (the hole, or past the end).
  uint64_t unmapped_gpa() const;

  // Copy in/out across regions is not allowed: a range must be RAM. Throws std::out_of_range.
  void write(uint64_t gpa, std::span<const uint8_t> bytes);
  void read(uint64_t gpa, std::span<uint8_t> out) const;

 private:
  vugpu::UniqueFd memfd_;
  uint8_t* map_ = nullptr;
  uint64_t size_ = 0;
  std::vector<RamRegion> regions_;
};

}  // namespace vugpu::frontend
