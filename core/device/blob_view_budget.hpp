// The blob views alive in this process, and the kernel mappings they may hold, bounded by
// Limits::max_blob_views and Limits::max_blob_mappings. Every view is a kernel resource (a
// udmabuf fd and its mapping, or one mapping per run of a memory file), so a guest that could
// make them without bound could run the daemon out of fds (RLIMIT_NOFILE) or of mappings
// (vm.max_map_count), and then every allocation of every thread would fail.
//
// A view counts from the moment the core asks a provider for it until the view is destroyed.
// That is after the blob's UNREF, DETACH_BACKING, REM_MEM_REG or a device reset when a
// presenter still reads a frame of it: such a view is still mapped, so it still counts.
//
// A view is charged its piece count before the provider runs (the most mappings any provider
// makes of it: a memfd mapping maps each run of pieces, a udmabuf holds one item per run), so
// a refused view never existed, not even for a moment.
//
// Threading: check() and make() on the device loop thread. A view's charge is handed back when
// its last reference goes: on the loop thread (a presenter's release is posted there), or
// wherever a FrameRelease outlives the device; so the counts are atomic and shared with every
// view.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include "vugpu/blob.hpp"

namespace vugpu {

class BlobViewBudget {
 public:
  BlobViewBudget(uint32_t max_views, uint64_t max_mappings) : max_views_(max_views), max_mappings_(max_mappings) {}

  enum class Refusal { None, Views, Mappings };
  // Whether one more view of `mappings` pieces fits.
  Refusal check(uint64_t mappings) const {
    if (views() >= max_views_) return Refusal::Views;
    const uint64_t now = this->mappings();
    if (now > max_mappings_ || mappings > max_mappings_ - now) return Refusal::Mappings;
    return Refusal::None;
  }

  // An empty view for the provider to fill, charged one view and `mappings` until its last
  // reference goes (the caller checked first). Destroyed by core code only (vugpu/blob.hpp).
  std::shared_ptr<BlobView> make(uint64_t mappings) {
    auto holder = std::make_shared<ChargedView>(counts_, mappings);
    return std::shared_ptr<BlobView>(holder, &holder->view);  // shares the holder's lifetime
  }

  uint64_t views() const { return counts_->views.load(std::memory_order_relaxed); }
  uint64_t mappings() const { return counts_->mappings.load(std::memory_order_relaxed); }
  uint32_t max_views() const { return max_views_; }
  uint64_t max_mappings() const { return max_mappings_; }

 private:
  struct Counts {
    std::atomic<uint64_t> views{0}, mappings{0};
  };
  // Takes the charge when made, gives it back when destroyed.
  class Charge {
   public:
    Charge(std::shared_ptr<Counts> counts, uint64_t mappings) : counts_(std::move(counts)), mappings_(mappings) {
      counts_->views.fetch_add(1, std::memory_order_relaxed);
      counts_->mappings.fetch_add(mappings_, std::memory_order_relaxed);
    }
    Charge(const Charge&) = delete;
    Charge& operator=(const Charge&) = delete;
    ~Charge() {
      counts_->mappings.fetch_sub(mappings_, std::memory_order_relaxed);
      counts_->views.fetch_sub(1, std::memory_order_relaxed);
    }

   private:
    std::shared_ptr<Counts> counts_;  // outlives the device when a release does
    uint64_t mappings_;
  };
  struct ChargedView {
    ChargedView(std::shared_ptr<Counts> counts, uint64_t mappings) : charge(std::move(counts), mappings) {}
    Charge charge;  // declared first, so destroyed last: the view is unmapped before it is uncounted
    BlobView view;
  };

  uint32_t max_views_;
  uint64_t max_mappings_;
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

}  // namespace vugpu
