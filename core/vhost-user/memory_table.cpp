#include "vhost-user/memory_table.hpp"

#include <sys/stat.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace vugpu::vhost {

namespace {

bool same_range(const MemoryRegionDesc& a, const MemoryRegionDesc& b) {
  return a.guest_phys_addr == b.guest_phys_addr && a.userspace_addr == b.userspace_addr &&
         a.memory_size == b.memory_size;
}

}  // namespace

bool MemoryTable::overlaps(const std::vector<Slot>& slots, const MemoryRegionDesc& d) {
  for (const Slot& s : slots) {
    // Both ranges were checked not to wrap.
    if (d.guest_phys_addr < s.desc.guest_phys_addr + s.desc.memory_size &&
        s.desc.guest_phys_addr < d.guest_phys_addr + d.memory_size)
      return true;
  }
  return false;
}

bool MemoryTable::make_slot(const MemoryRegionDesc& d, int fd, Slot& out, std::string& why) const {
  uint64_t end;
  if (d.memory_size == 0) {
    why = "empty region";
    return false;
  }
  if (__builtin_add_overflow(d.guest_phys_addr, d.memory_size, &end) ||
      __builtin_add_overflow(d.userspace_addr, d.memory_size, &end) ||
      __builtin_add_overflow(d.mmap_offset, d.memory_size, &end)) {
    why = "region wraps the 64-bit address space";
    return false;
  }
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    why = fmt::format("region fd unusable: {}", std::strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "region fd is not a memory file (memfd, shm or hugetlbfs)";
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) < d.mmap_offset + d.memory_size) {
    why = fmt::format("region needs {} bytes of its file but the file has {}", d.mmap_offset + d.memory_size,
                      static_cast<uint64_t>(st.st_size));
    return false;
  }
  out.desc = d;
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  for (const Slot& s : slots_) {
    if (same_range(s.desc, d) && s.desc.mmap_offset == d.mmap_offset && s.dev == st.st_dev && s.ino == st.st_ino &&
        !s.region->poisoned()) {
      out.region = s.region;  // the same memory: keep the mapping (and every pointer into it)
      return true;
    }
  }
  out.region = MemoryRegion::map(fd, d.guest_phys_addr, d.memory_size, d.userspace_addr, d.mmap_offset);
  if (!out.region) {
    why = fmt::format("mmap of {} bytes failed: {}", d.mmap_offset + d.memory_size, std::strerror(errno));
    return false;
  }
  // Blob views map the guest's pages from the file themselves; without it they copy instead.
  out.region->keep_file(fd, d.mmap_offset);
  return true;
}

void MemoryTable::install(std::vector<Slot> slots) {
  for (Slot& old : slots_) {
    const bool kept = std::any_of(slots.begin(), slots.end(), [&](const Slot& s) { return s.region == old.region; });
    if (!kept) retired_.push_back(std::move(old.region));
  }
  slots_ = std::move(slots);
  memory_.clear();
  for (const Slot& s : slots_) memory_.add(s.region);
}

bool MemoryTable::replace(std::span<const MemoryRegionDesc> regions, std::span<UniqueFd> fds, std::string& why) {
  if (regions.size() != fds.size() || regions.size() > kMaxMemTableRegions) {
    why = "region and fd counts differ";
    return false;
  }
  std::vector<Slot> slots;
  slots.reserve(regions.size());
  for (size_t i = 0; i < regions.size(); ++i) {
    Slot s;
    if (!make_slot(regions[i], fds[i].get(), s, why)) {
      why = fmt::format("region {}: {}", i, why);
      return false;
    }
    if (overlaps(slots, regions[i])) {
      why = fmt::format("region {} overlaps another one", i);
      return false;
    }
    slots.push_back(std::move(s));
  }
  install(std::move(slots));
  return true;
}

bool MemoryTable::add(const MemoryRegionDesc& region, UniqueFd fd, std::string& why) {
  if (slots_.size() >= kMaxSlots) {
    why = fmt::format("all {} memory slots are in use", kMaxSlots);
    return false;
  }
  Slot s;
  if (!make_slot(region, fd.get(), s, why)) return false;
  if (overlaps(slots_, region)) {
    // QEMU may re-add a region it already sent; accept the exact same one.
    for (const Slot& old : slots_)
      if (old.region == s.region) return true;
    why = "region overlaps another one";
    return false;
  }
  std::vector<Slot> slots = slots_;
  slots.push_back(std::move(s));
  install(std::move(slots));
  return true;
}

bool MemoryTable::remove(const MemoryRegionDesc& region, std::string& why) {
  auto it = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return same_range(s.desc, region); });
  if (it == slots_.end()) {
    why = "no such region";
    return false;
  }
  std::vector<Slot> slots;
  for (const Slot& s : slots_)
    if (&s != &*it) slots.push_back(s);
  install(std::move(slots));
  return true;
}

bool MemoryTable::poisoned() const {
  const auto bad = [](const auto& region) { return region->poisoned(); };
  return std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) { return bad(s.region); }) ||
         std::any_of(retired_.begin(), retired_.end(), bad);
}

void MemoryTable::clear() {
  memory_.clear();
  slots_.clear();
  retired_.clear();
}

}  // namespace vugpu::vhost
