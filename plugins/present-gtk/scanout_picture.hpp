// A scanout's picture on the GTK thread: a cairo RGB24 image surface of the scanout's size,
// updated from the damaged rectangle of each frame (converted from any of the eight 2D formats,
// bottom-up frames flipped). Once update() returns, the frame's memory is no longer needed.
// GTK thread only.
#pragma once
#include <cairo.h>
#include <cstdint>
#include "vugpu/frame.hpp"

namespace vugpu::gtk {

class ScanoutPicture {
 public:
  ScanoutPicture() = default;
  ~ScanoutPicture();
  ScanoutPicture(const ScanoutPicture&) = delete;
  ScanoutPicture& operator=(const ScanoutPicture&) = delete;

  // Copies `damage` (scanout coordinates) of `frame`; the whole view when the size changed.
  // Returns the bytes read from the frame (0: nothing readable, e.g. a dmabuf-only frame).
  uint64_t update(const Frame& frame, const Rect& damage);

  cairo_surface_t* surface() const { return surface_; }
  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }

 private:
  cairo_surface_t* surface_ = nullptr;
  uint32_t width_ = 0, height_ = 0;
};

}  // namespace vugpu::gtk
