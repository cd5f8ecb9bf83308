#include "fence_timeline.hpp"

#include <algorithm>

namespace vugpu::virgl {

uint32_t FenceTimeline::add(uint64_t guest_fence_id) {
  if (next_ == 0) next_ = 1;  // 0 never names a fence
  const uint32_t id = next_++;
  pending_.emplace_back(id, guest_fence_id);
  return id;
}

void FenceTimeline::drop_newest() {
  if (!pending_.empty()) pending_.pop_back();
}

std::optional<uint64_t> FenceTimeline::retire_up_to(uint32_t virgl_id) {
  std::optional<uint64_t> highest;
  while (!pending_.empty() && at_or_before(pending_.front().first, virgl_id)) {
    highest = std::max(highest.value_or(0), pending_.front().second);
    pending_.pop_front();
  }
  return highest;
}

bool FenceTimeline::is_pending(uint32_t virgl_id) const {
  return std::any_of(pending_.begin(), pending_.end(), [&](const auto& p) { return p.first == virgl_id; });
}

}  // namespace vugpu::virgl
