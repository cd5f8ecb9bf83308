// Rectangles as the guest sends them (32-bit fields) with 64-bit checked containment, so that
// x + width can never wrap (a classic bug in virtio-gpu devices).
#pragma once
#include <algorithm>
#include <cstdint>

namespace vugpu {

struct Rect {
  uint32_t x = 0, y = 0, width = 0, height = 0;

  constexpr bool empty() const { return width == 0 || height == 0; }
  constexpr uint64_t right() const { return uint64_t{x} + width; }    // never wraps
  constexpr uint64_t bottom() const { return uint64_t{y} + height; }  // never wraps

  // True when the rectangle lies fully inside a w x h surface.
  constexpr bool inside(uint32_t w, uint32_t h) const { return right() <= w && bottom() <= h; }

  // Smallest rectangle covering both; an empty side is ignored.
  constexpr Rect united(const Rect& o) const {
    if (o.empty()) return *this;
    if (empty()) return o;
    const uint64_t l = std::min(x, o.x), t = std::min(y, o.y);
    const uint64_t r = std::max(right(), o.right()), b = std::max(bottom(), o.bottom());
    return {uint32_t(l), uint32_t(t), uint32_t(r - l), uint32_t(b - t)};
  }
  // Overlap of both (empty when they do not overlap).
  constexpr Rect intersected(const Rect& o) const {
    const uint64_t l = std::max(x, o.x), t = std::max(y, o.y);
    const uint64_t r = std::min(right(), o.right()), b = std::min(bottom(), o.bottom());
    if (r <= l || b <= t) return {};
    return {uint32_t(l), uint32_t(t), uint32_t(r - l), uint32_t(b - t)};
  }
  friend constexpr bool operator==(const Rect&, const Rect&) = default;
};

}  // namespace vugpu
