// What a guest would put in a resource for the window tests: a per-pixel pattern packed in any
// of the eight 2D DRM fourccs (written independently of the presenter's own format tables).
#pragma once
#include <drm_fourcc.h>
#include <cstdint>
#include <cstring>
#include <vector>
#include "vugpu/frame.hpp"
#include "x_screen.hpp"

namespace vugpu::test {

inline Rgb pattern_color(uint32_t x, uint32_t y, uint32_t seed) {
  return {uint8_t(x * 37 + y * 11 + seed), uint8_t(x * 5 + y * 71 + 2 * seed), uint8_t(x * 13 + y * 3 + 3 * seed)};
}

// DRM: a little-endian 32-bit word, the first-named component in the most significant byte.
inline uint32_t pack(uint32_t fourcc, Rgb p, uint8_t a) {
  const auto word = [](uint8_t c3, uint8_t c2, uint8_t c1, uint8_t c0) {
    return uint32_t{c3} << 24 | uint32_t{c2} << 16 | uint32_t{c1} << 8 | c0;
  };
  switch (fourcc) {
    case DRM_FORMAT_ARGB8888: case DRM_FORMAT_XRGB8888: return word(a, p.r, p.g, p.b);
    case DRM_FORMAT_BGRA8888: case DRM_FORMAT_BGRX8888: return word(p.b, p.g, p.r, a);
    case DRM_FORMAT_ABGR8888: case DRM_FORMAT_XBGR8888: return word(a, p.b, p.g, p.r);
    case DRM_FORMAT_RGBA8888: case DRM_FORMAT_RGBX8888: return word(p.r, p.g, p.b, a);
  }
  return 0;
}

struct GuestImage {
  uint32_t width, height, fourcc, stride;
  std::vector<uint8_t> bytes;
  GuestImage(uint32_t w, uint32_t h, uint32_t f) : width(w), height(h), fourcc(f), stride(w * 4 + 12), bytes(stride * h, 0xEE) {}

  // Alpha/filler varies per pixel: a presenter that showed it as transparency would fail.
  void paint(uint32_t seed, Rect r) {
    for (uint32_t y = r.y; y < r.bottom(); ++y)
      for (uint32_t x = r.x; x < r.right(); ++x) {
        const uint32_t v = pack(fourcc, pattern_color(x, y, seed), uint8_t(x * 7 + y));
        std::memcpy(&bytes[y * stride + x * 4], &v, 4);
      }
  }
  void paint(uint32_t seed) { paint(seed, {0, 0, width, height}); }
  Frame frame(Rect view) const {
    Frame f;
    f.resource_id = 7;
    f.width = width;
    f.height = height;
    f.stride = stride;
    f.fourcc = fourcc;
    f.pixels = bytes.data();
    f.view = view;
    return f;
  }
  Frame frame() const { return frame({0, 0, width, height}); }
};

}  // namespace vugpu::test
