#include "memory/guest_memory.hpp"

#include <sys/mman.h>
#include <algorithm>
#include <cerrno>

namespace vugpu {

MemoryRegion::MemoryRegion(uint64_t gpa, uint64_t size, uint64_t user_addr, void* base, uint64_t map_size,
                           uint64_t map_offset)
    : gpa_(gpa), size_(size), user_addr_(user_addr), base_(base), map_size_(map_size), map_offset_(map_offset) {}

MemoryRegion::~MemoryRegion() {
  guard_.reset();
  if (map_size_ != 0) munmap(base_, map_size_);
}

std::shared_ptr<MemoryRegion> MemoryRegion::map(int fd, uint64_t gpa, uint64_t size, uint64_t user_addr,
                                                uint64_t mmap_offset) {
  uint64_t map_size = 0;
  if (size == 0 || __builtin_add_overflow(size, mmap_offset, &map_size) || gpa + size < gpa) {
    errno = EINVAL;
    return nullptr;
  }
  void* base = mmap(nullptr, map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base == MAP_FAILED) return nullptr;
  auto region = std::make_shared<MemoryRegion>(gpa, size, user_addr, base, map_size, mmap_offset);
  region->guard_ = GuardedMapping(base, map_size);
  if (!region->guard_.valid()) {
    errno = ENOMEM;  // unguarded guest RAM could kill the daemon: refuse it
    return nullptr;
  }
  return region;
}

std::shared_ptr<MemoryRegion> MemoryRegion::borrow(uint64_t gpa, void* host, uint64_t size, uint64_t user_addr) {
  return std::make_shared<MemoryRegion>(gpa, size, user_addr, host, 0, 0);
}

void GuestMemory::add(std::shared_ptr<MemoryRegion> region) { regions_.push_back(std::move(region)); }

bool GuestMemory::remove(uint64_t gpa, uint64_t size) {
  auto it = std::find_if(regions_.begin(), regions_.end(),
                         [&](const auto& r) { return r->gpa() == gpa && r->size() == size; });
  if (it == regions_.end()) return false;
  regions_.erase(it);
  return true;
}

const MemoryRegion* GuestMemory::find(uint64_t gpa) const {
  for (const auto& r : regions_)
    if (gpa >= r->gpa() && gpa - r->gpa() < r->size()) return r.get();
  return nullptr;
}

bool GuestMemory::translate_append(uint64_t gpa, uint64_t len, std::vector<iovec>& out, size_t max_iov) const {
  uint64_t end = 0;
  if (__builtin_add_overflow(gpa, len, &end)) return false;
  const size_t start = out.size();
  while (gpa < end) {
    const MemoryRegion* r = find(gpa);
    if (r == nullptr || out.size() - start >= max_iov) {
      out.resize(start);
      return false;
    }
    const uint64_t off = gpa - r->gpa();
    const uint64_t n = std::min(end - gpa, r->size() - off);
    out.push_back({r->host() + off, static_cast<size_t>(n)});
    gpa += n;
  }
  return true;
}

std::optional<std::vector<iovec>> GuestMemory::translate(uint64_t gpa, uint64_t len, size_t max_iov) const {
  std::vector<iovec> out;
  if (!translate_append(gpa, len, out, max_iov)) return std::nullopt;
  return out;
}

void* GuestMemory::contiguous(uint64_t gpa, uint64_t len) const {
  const MemoryRegion* r = find(gpa);
  if (r == nullptr) return nullptr;
  const uint64_t off = gpa - r->gpa();
  if (len > r->size() - off) return nullptr;
  return r->host() + off;
}

void* GuestMemory::contiguous_uva(uint64_t uva, uint64_t len) const {
  for (const auto& r : regions_) {
    if (uva < r->user_addr() || uva - r->user_addr() >= r->size()) continue;
    const uint64_t off = uva - r->user_addr();
    if (len > r->size() - off) return nullptr;
    return r->host() + off;
  }
  return nullptr;
}

}  // namespace vugpu
