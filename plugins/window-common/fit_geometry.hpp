// Where a scanout's picture goes inside a window: scaled to fit with the aspect ratio kept
// (bars left/right or top/bottom), or an integer zoom, centred. Pure arithmetic, any thread.
#pragma once
#include <cstdint>

namespace vugpu::window {

struct Placement {
  int32_t x = 0, y = 0;          // top-left of the picture in drawable pixels (may be < 0: cropped)
  uint32_t width = 0, height = 0;
  bool integer_scale = false;    // every picture pixel is exactly N x N drawable pixels
  // Drawable pixels per picture pixel (width / picture width).
  double scale = 1.0;
};

// `drawable_*`: the window's size in pixels (HiDPI: the drawable, not the logical size).
// `zoom` 0: fit; N >= 1: N x N drawable pixels per picture pixel.
Placement place(uint32_t picture_width, uint32_t picture_height, uint32_t drawable_width, uint32_t drawable_height,
                uint32_t zoom);

}  // namespace vugpu::window
