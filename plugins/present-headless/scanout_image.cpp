#include "scanout_image.hpp"

#include <drm_fourcc.h>
#include <cstring>
#include "mapped_dmabuf.hpp"

namespace vugpu::headless {

namespace {
bool frame_geometry_ok(const Frame& frame) {
  return !frame.view.empty() && frame.view.inside(frame.width, frame.height) && frame.stride >= uint64_t{frame.width} * 4;
}
}  // namespace

bool ScanoutImage::readable(const Frame& frame) {
  return frame_geometry_ok(frame) &&
         (frame.pixels || (frame.dmabuf_fd >= 0 && frame.modifier == DRM_FORMAT_MOD_LINEAR));
}

uint64_t ScanoutImage::update(const Frame& frame, const Rect& damage) {
  if (!frame_geometry_ok(frame)) return 0;
  Rect rect = damage.intersected({0, 0, frame.view.width, frame.view.height});
  if (frame.view.width != width_ || frame.view.height != height_ || frame.fourcc != fourcc_) {
    width_ = frame.view.width;
    height_ = frame.view.height;
    fourcc_ = frame.fourcc;
    pixels_.assign(uint64_t{width_} * height_ * 4, 0);
    rect = {0, 0, width_, height_};
  }
  if (rect.empty()) return 0;
  if (frame.pixels) return copy(frame, frame.pixels, rect);
  const snapshots::MappedDmabuf view(frame);
  if (!view.data()) return 0;
  return copy(frame, view.data(), rect);
}

// `base` points at row 0 of the resource; `rect` is in scanout coordinates, inside the view.
uint64_t ScanoutImage::copy(const Frame& frame, const uint8_t* base, const Rect& rect) {
  const uint64_t row_bytes = uint64_t{rect.width} * 4;
  for (uint32_t y = rect.y; y < rect.bottom(); ++y) {
    const uint64_t resource_row = uint64_t{frame.view.y} + y;
    // Bottom-up storage (GL textures): scanout row 0 is the last row of the resource.
    const uint64_t memory_row = frame.y0_top ? resource_row : frame.height - 1 - resource_row;
    const uint8_t* src = base + memory_row * frame.stride + (uint64_t{frame.view.x} + rect.x) * 4;
    std::memcpy(pixels_.data() + (uint64_t{y} * width_ + rect.x) * 4, src, row_bytes);
  }
  return row_bytes * rect.height;
}

}  // namespace vugpu::headless
