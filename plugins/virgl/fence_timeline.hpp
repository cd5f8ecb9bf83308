// Guest fence ids are 64-bit; virglrenderer 0.10.4's ctx-0 fences are 32-bit and retire in
// order ("all up to N"). The timeline hands virglrenderer its own 32-bit sequence numbers and
// remembers which guest fence each stands for, so no guest id is ever truncated and a fence
// virglrenderer reports retires every earlier one too.
//
// Threading: device loop thread only.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace vugpu::virgl {

class FenceTimeline {
 public:
  // first: the first id handed out (tests start near the 32-bit wrap).
  explicit FenceTimeline(uint32_t first = 1) : next_(first) {}

  // A new fence standing for guest_fence_id; returns the id to give virglrenderer (never 0).
  uint32_t add(uint64_t guest_fence_id);

  // The newest fence was not created after all (virglrenderer refused it): forget it.
  void drop_newest();

  // virglrenderer retired everything up to and including virgl_id. Returns the highest guest
  // fence id among the fences that retires, or nullopt when it retires none.
  std::optional<uint64_t> retire_up_to(uint32_t virgl_id);

  // Forget every pending fence (device reset): when virglrenderer retires them later,
  // retire_up_to() finds none and signals nothing. The sequence goes on, so new ids never
  // collide with the forgotten ones.
  void forget_pending() { pending_.clear(); }

  bool is_pending(uint32_t virgl_id) const;
  size_t pending() const { return pending_.size(); }

 private:
  // Sequence comparison that survives the 32-bit wrap (pending ids span far less than 2^31).
  static bool at_or_before(uint32_t a, uint32_t b) { return int32_t(a - b) <= 0; }

  uint32_t next_ = 1;
  std::deque<std::pair<uint32_t, uint64_t>> pending_;  // (virgl id, guest id), oldest first
};

}  // namespace vugpu::virgl
