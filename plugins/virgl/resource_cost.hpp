// Host memory a virgl resource costs, charged by the core against its limit
// (Resource::host_bytes). An estimate on the safe side: virglrenderer does not say what its
// GL driver allocates, so count level 0 at virglrenderer's own row stride, a third more for
// mipmaps, and the host readback buffer a 2D texture gets when it is scanned out.
// Saturates instead of wrapping, so a huge request can only look too big, never small.
#pragma once
#include <cstdint>
#include <initializer_list>
#include "vugpu/resource.hpp"

namespace vugpu::virgl {

constexpr uint64_t saturating_product(std::initializer_list<uint64_t> factors) {
  uint64_t total = 1;
  for (uint64_t f : factors) {
    if (__builtin_mul_overflow(total, f, &total)) return UINT64_MAX;
  }
  return total;
}

constexpr uint64_t saturating_sum(uint64_t a, uint64_t b) {
  uint64_t s = 0;
  return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

constexpr uint64_t at_least_one(uint32_t v) { return v ? v : 1; }

// level0_stride: bytes per row (or per block row) of level 0, from virglrenderer.
constexpr uint64_t texture_bytes(const Resource3DArgs& a, uint32_t level0_stride, bool is_buffer) {
  if (is_buffer) return a.width;  // a buffer's width is its size in bytes
  const uint64_t level0 = saturating_product({level0_stride, at_least_one(a.height), at_least_one(a.depth),
                                              at_least_one(a.array_size), at_least_one(a.nr_samples)});
  return a.last_level > 0 ? saturating_sum(level0, level0 / 3) : level0;
}

constexpr uint64_t readback_bytes(uint32_t width, uint32_t height) {
  return saturating_product({width, height, 4});
}

}  // namespace vugpu::virgl
