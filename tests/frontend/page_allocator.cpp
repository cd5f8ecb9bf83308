#include "page_allocator.hpp"
#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace vugpu::frontend {

namespace {
constexpr uint64_t kPage = GuestRam::kPageSize;
}

// ---- GuestAllocation ----

GuestAllocation::GuestAllocation(PageAllocator* owner, std::weak_ptr<void> owner_alive, std::vector<Extent> extents,
                                 uint64_t size)
    : owner_(owner), owner_alive_(std::move(owner_alive)), extents_(std::move(extents)), size_(size) {}

GuestAllocation::GuestAllocation(GuestAllocation&& o) noexcept
    : owner_(std::exchange(o.owner_, nullptr)),
      owner_alive_(std::move(o.owner_alive_)),
      extents_(std::move(o.extents_)),
      size_(std::exchange(o.size_, 0)) {
  o.extents_.clear();
}

PageAllocator& GuestAllocation::owner() const {
  if (!owner_ || owner_alive_.expired()) throw std::logic_error("guest memory used after its VMM was destroyed");
  return *owner_;
}

GuestAllocation& GuestAllocation::operator=(GuestAllocation&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = std::exchange(o.owner_, nullptr);
    owner_alive_ = std::move(o.owner_alive_);
    extents_ = std::move(o.extents_);
    o.extents_.clear();
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

GuestAllocation::~GuestAllocation() { release(); }

void GuestAllocation::release() {
  if (owner_ && !owner_alive_.expired())
    for (const auto& e : extents_) owner_->free(e);
  extents_.clear();
  owner_ = nullptr;
  size_ = 0;
}

void GuestAllocation::write(uint64_t offset, std::span<const uint8_t> bytes) {
  if (offset + bytes.size() > size_) throw std::out_of_range("GuestAllocation::write past the end");
  for (const auto& e : extents_) {
    if (bytes.empty()) break;
    if (offset >= e.len) { offset -= e.len; continue; }
    const uint64_t n = std::min<uint64_t>(e.len - offset, bytes.size());
    std::memcpy(owner().ram().host(e.gpa + offset, n), bytes.data(), n);
    bytes = bytes.subspan(n);
    offset = 0;
  }
}

void GuestAllocation::read(uint64_t offset, std::span<uint8_t> out) const {
  if (offset + out.size() > size_) throw std::out_of_range("GuestAllocation::read past the end");
  for (const auto& e : extents_) {
    if (out.empty()) break;
    if (offset >= e.len) { offset -= e.len; continue; }
    const uint64_t n = std::min<uint64_t>(e.len - offset, out.size());
    std::memcpy(out.data(), owner().ram().host(e.gpa + offset, n), n);
    out = out.subspan(n);
    offset = 0;
  }
}

void GuestAllocation::fill(uint8_t value) {
  for (const auto& e : extents_) std::memset(owner().ram().host(e.gpa, e.len), value, e.len);
}

uint8_t* GuestAllocation::host() const {
  return extents_.size() == 1 ? owner().ram().host(extents_[0].gpa, extents_[0].len) : nullptr;
}

std::vector<Extent> GuestAllocation::entries() const {
  std::vector<Extent> out;
  uint64_t left = size_;
  for (const auto& e : extents_) {
    if (left == 0) break;
    out.push_back({e.gpa, std::min(e.len, left)});
    left -= out.back().len;
  }
  return out;
}

// ---- PageAllocator ----

PageAllocator::PageAllocator(GuestRam& ram, uint64_t reserved_bytes, uint32_t seed) : ram_(ram), rng_(seed) {
  size_t pages = 0;
  for (const auto& r : ram.regions()) {
    region_first_.push_back(pages);
    pages += r.size / kPage;
  }
  used_.assign(pages, false);
  free_pages_ = pages;
  const size_t reserved = std::max<uint64_t>(1, (reserved_bytes + kPage - 1) / kPage);
  for (size_t i = 0; i < reserved && i < pages; ++i) {
    used_[i] = true;
    --free_pages_;
  }
}

uint64_t PageAllocator::page_gpa(size_t index) const {
  size_t region = region_first_.size() - 1;
  while (index < region_first_[region]) --region;
  return ram_.regions()[region].gpa + (index - region_first_[region]) * kPage;
}

std::optional<size_t> PageAllocator::page_index(uint64_t gpa) const {
  const auto& regions = ram_.regions();
  for (size_t r = 0; r < regions.size(); ++r)
    if (gpa >= regions[r].gpa && gpa - regions[r].gpa < regions[r].size)
      return region_first_[r] + (gpa - regions[r].gpa) / kPage;
  return std::nullopt;
}

std::optional<size_t> PageAllocator::find_run(size_t pages, size_t first, size_t end) {
  end = std::min(end, used_.size());
  const size_t start_at = std::clamp(hint_, first, end);
  // Next-fit over [first, end), twice around at most; a run never crosses a region.
  for (size_t pass = 0; pass < 2; ++pass) {
    const size_t from = pass == 0 ? start_at : first;
    const size_t to = pass == 0 ? end : std::min(end, start_at + pages);
    size_t run = 0;
    for (size_t i = from; i < to; ++i) {
      const bool region_start = std::find(region_first_.begin(), region_first_.end(), i) != region_first_.end();
      if (used_[i] || region_start) run = 0;
      if (used_[i]) continue;
      if (++run == pages) return i + 1 - pages;
    }
  }
  return std::nullopt;
}

GuestAllocation PageAllocator::allocate_in_region(size_t region, uint64_t bytes) {
  if (region >= region_first_.size()) return {};
  const size_t first = region_first_[region];
  const size_t end = region + 1 < region_first_.size() ? region_first_[region + 1] : used_.size();
  const size_t pages = std::max<uint64_t>(1, (bytes + kPage - 1) / kPage);
  auto at = find_run(pages, first, end);
  if (!at) return {};
  for (size_t i = *at; i < *at + pages; ++i) used_[i] = true;
  free_pages_ -= pages;
  return GuestAllocation(this, alive_, {{page_gpa(*at), pages * kPage}}, bytes);
}

GuestAllocation PageAllocator::allocate(uint64_t bytes, Placement placement) {
  const size_t pages = std::max<uint64_t>(1, (bytes + kPage - 1) / kPage);
  if (pages > free_pages_) return {};
  std::vector<Extent> extents;
  if (placement == Placement::Contiguous) {
    auto first = find_run(pages);
    if (!first) return {};
    for (size_t i = *first; i < *first + pages; ++i) used_[i] = true;
    free_pages_ -= pages;
    hint_ = *first + pages;
    extents.push_back({page_gpa(*first), pages * kPage});
  } else {
    std::uniform_int_distribution<size_t> pick(0, used_.size() - 1);
    for (size_t n = 0; n < pages; ++n) {
      size_t i = pick(rng_);
      while (used_[i]) i = (i + 1) % used_.size();
      used_[i] = true;
      --free_pages_;
      extents.push_back({page_gpa(i), kPage});
    }
  }
  return GuestAllocation(this, alive_, std::move(extents), bytes);
}

void PageAllocator::free(const Extent& e) {
  auto first = page_index(e.gpa);
  if (!first) return;
  for (size_t i = *first; i < *first + e.len / kPage; ++i) {
    if (used_[i]) {
      used_[i] = false;
      ++free_pages_;
    }
  }
}

}  // namespace vugpu::frontend
