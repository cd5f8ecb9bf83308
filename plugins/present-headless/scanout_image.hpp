// The latest picture of one scanout, as the headless presenter keeps it: its own copy of the
// pixels (rows of width * 4 bytes, in the frame's fourcc), updated in the damaged rectangle
// only. Device loop thread only.
#pragma once
#include <cstdint>
#include <vector>
#include "vugpu/frame.hpp"
#include "vugpu/geometry.hpp"

namespace vugpu::headless {

class ScanoutImage {
 public:
  // Copies `damage` (scanout coordinates, clipped to the view) of `frame`; the whole view when
  // the view size or the format changed since the last frame (the old pixels mean nothing
  // then). Reads a linear dmabuf by mapping it when the frame has no CPU pixels.
  // Returns the bytes copied (0 when the frame could not be read).
  uint64_t update(const Frame& frame, const Rect& damage);
  // Whether update() could read `frame` (a CPU view or a linear dmabuf, a view inside the
  // resource), without mapping or copying anything.
  static bool readable(const Frame& frame);

  bool empty() const { return pixels_.empty(); }
  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  uint32_t stride() const { return width_ * 4; }
  uint32_t fourcc() const { return fourcc_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }

 private:
  uint64_t copy(const Frame& frame, const uint8_t* base, const Rect& rect);

  uint32_t width_ = 0, height_ = 0, fourcc_ = 0;
  std::vector<uint8_t> pixels_;
};

}  // namespace vugpu::headless
