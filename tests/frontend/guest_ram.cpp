#include "guest_ram.hpp"
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace vugpu::frontend {

GuestRam::GuestRam(uint64_t bytes, unsigned regions, bool sealed) : size_(bytes) {
  if (bytes == 0 || bytes % kPageSize != 0 || (regions != 1 && regions != 2) ||
      (regions == 2 && (bytes / 2) % kPageSize != 0))
    throw std::invalid_argument("guest RAM: size must be a non-zero page multiple, 1 or 2 regions");
  memfd_.reset(::memfd_create("vugpu-test-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!memfd_) throw std::system_error(errno, std::generic_category(), "memfd_create");
  if (::ftruncate(memfd_.get(), off_t(bytes)) != 0)
    throw std::system_error(errno, std::generic_category(), "ftruncate guest RAM");
  if (sealed && ::fcntl(memfd_.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
    throw std::system_error(errno, std::generic_category(), "sealing guest RAM");
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_.get(), 0);
  if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap guest RAM");
  map_ = static_cast<uint8_t*>(p);
  if (regions == 1) {
    regions_.push_back({0, bytes, 0, map_});
  } else {
    const uint64_t half = bytes / 2;
    regions_.push_back({0, half, 0, map_});
    regions_.push_back({kHighRegionGpa, half, half, map_ + half});
  }
}

GuestRam::~GuestRam() {
  if (map_) ::munmap(map_, size_);
}

uint8_t* GuestRam::host(uint64_t gpa, uint64_t len) const {
  for (const auto& r : regions_) {
    if (gpa >= r.gpa && gpa - r.gpa < r.size && len <= r.size - (gpa - r.gpa)) return r.host + (gpa - r.gpa);
  }
  return nullptr;
}

uint64_t GuestRam::uva(uint64_t gpa) const {
  uint8_t* p = host(gpa);
  return p ? reinterpret_cast<uint64_t>(p) : 0;
}

uint64_t GuestRam::unmapped_gpa() const {
  if (regions_.size() == 2) return regions_[0].size + kPageSize;  // inside the hole
  return regions_[0].size + 16 * kPageSize;
}

void GuestRam::write(uint64_t gpa, std::span<const uint8_t> bytes) {
  uint8_t* p = host(gpa, bytes.size());
  if (!p) throw std::out_of_range("guest RAM write outside RAM at gpa " + std::to_string(gpa));
  std::memcpy(p, bytes.data(), bytes.size());
}

void GuestRam::read(uint64_t gpa, std::span<uint8_t> out) const {
  const uint8_t* p = host(gpa, out.size());
  if (!p) throw std::out_of_range("guest RAM read outside RAM at gpa " + std::to_string(gpa));
  std::memcpy(out.data(), p, out.size());
}

}  // namespace vugpu::frontend
