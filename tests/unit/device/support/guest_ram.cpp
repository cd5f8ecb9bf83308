#include "support/guest_ram.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace vugpu::test {

GuestRam::GuestRam(size_t pages, uint32_t seed)
    : pages_(pages & ~size_t{1}),
      low_(std::make_unique<uint8_t[]>(pages_ / 2 * kPage)),
      high_(std::make_unique<uint8_t[]>(pages_ / 2 * kPage)),
      rng_(seed) {
  memory_.add(MemoryRegion::borrow(kBase, low_.get(), pages_ / 2 * kPage));
  memory_.add(MemoryRegion::borrow(boundary_gpa(), high_.get(), pages_ / 2 * kPage));
  for (size_t i = 0; i < pages_; ++i) free_pages_.push_back(kBase + i * kPage);
  std::shuffle(free_pages_.begin(), free_pages_.end(), rng_);
}

uint8_t* GuestRam::host(uint64_t gpa) {
  if (gpa < kBase || gpa >= end_gpa()) throw std::out_of_range("gpa outside fake guest RAM");
  return gpa < boundary_gpa() ? low_.get() + (gpa - kBase) : high_.get() + (gpa - boundary_gpa());
}

uint64_t GuestRam::take_page() {
  if (free_pages_.empty()) throw std::runtime_error("fake guest RAM exhausted");
  const uint64_t gpa = free_pages_.back();
  free_pages_.pop_back();
  return gpa;
}

// Copies between guest memory and `data`, split where the two host allocations meet.
void GuestRam::copy_guest(uint64_t gpa, size_t n, uint8_t* data, bool to_guest) {
  while (n != 0) {
    const uint64_t limit = gpa < boundary_gpa() ? boundary_gpa() : end_gpa();
    const size_t piece = static_cast<size_t>(std::min<uint64_t>(n, limit - gpa));
    uint8_t* h = host(gpa);
    if (to_guest) std::memcpy(h, data, piece); else std::memcpy(data, h, piece);
    gpa += piece;
    data += piece;
    n -= piece;
  }
}

Backing GuestRam::scattered_pages(uint64_t bytes) {
  Backing b;
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t n = std::min(kPage, bytes - done);
    b.entries.push_back({take_page(), static_cast<uint32_t>(n), 0});
    done += n;
  }
  b.size = bytes;
  return b;
}

Backing GuestRam::scattered_chunks(uint64_t bytes) {
  Backing b;
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t start = std::uniform_int_distribution<uint64_t>(0, kPage - 1)(rng_);
    const uint64_t room = kPage - start;
    const uint64_t n = std::min({std::uniform_int_distribution<uint64_t>(1, room)(rng_), bytes - done});
    b.entries.push_back({take_page() + start, static_cast<uint32_t>(n), 0});
    done += n;
  }
  b.size = bytes;
  return b;
}

Backing GuestRam::contiguous(uint64_t gpa, uint64_t bytes) {
  Backing b;
  b.entries.push_back({gpa, static_cast<uint32_t>(bytes), 0});
  b.size = bytes;
  return b;
}

void GuestRam::write(const Backing& b, uint64_t offset, std::span<const uint8_t> data) {
  uint64_t pos = 0;
  size_t done = 0;
  for (const auto& e : b.entries) {
    if (done == data.size()) return;
    const uint64_t e_end = pos + e.length;
    if (offset + done < e_end) {
      const uint64_t in = offset + done - pos;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(e.length - in, data.size() - done));
      copy_guest(e.addr + in, n, const_cast<uint8_t*>(data.data()) + done, true);
      done += n;
    }
    pos = e_end;
  }
  if (done != data.size()) throw std::out_of_range("write past the backing");
}

void GuestRam::read(const Backing& b, uint64_t offset, std::span<uint8_t> out) {
  uint64_t pos = 0;
  size_t done = 0;
  for (const auto& e : b.entries) {
    if (done == out.size()) return;
    const uint64_t e_end = pos + e.length;
    if (offset + done < e_end) {
      const uint64_t in = offset + done - pos;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(e.length - in, out.size() - done));
      copy_guest(e.addr + in, n, out.data() + done, false);
      done += n;
    }
    pos = e_end;
  }
  if (done != out.size()) throw std::out_of_range("read past the backing");
}

}  // namespace vugpu::test
