#include "scanout_picture.hpp"

#include <drm_fourcc.h>
#include <cstring>
#include "vugpu/format.hpp"

namespace vugpu::gtk {

ScanoutPicture::~ScanoutPicture() {
  if (surface_) cairo_surface_destroy(surface_);
}

uint64_t ScanoutPicture::update(const Frame& frame, const Rect& damage) {
  const Rect& view = frame.view;
  const auto channels = channel_offsets(frame.fourcc);
  if (!frame.pixels || !channels || view.empty() || !view.inside(frame.width, frame.height) ||
      frame.stride < uint64_t{frame.width} * 4)
    return 0;
  Rect rect = damage.intersected({0, 0, view.width, view.height});
  if (!surface_ || view.width != width_ || view.height != height_) {
    if (surface_) cairo_surface_destroy(surface_);
    surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, int(view.width), int(view.height));
    if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
      cairo_surface_destroy(surface_);
      surface_ = nullptr;
      width_ = height_ = 0;
      return 0;
    }
    width_ = view.width;
    height_ = view.height;
    rect = {0, 0, width_, height_};
  }
  if (rect.empty()) return 0;
  cairo_surface_flush(surface_);
  uint8_t* dst_base = cairo_image_surface_get_data(surface_);
  const uint64_t dst_stride = uint64_t(cairo_image_surface_get_stride(surface_));
  // cairo's RGB24 is a native-endian 32-bit x:R:G:B word: DRM's XRGB8888/ARGB8888 as they are.
  const bool same_layout = frame.fourcc == DRM_FORMAT_XRGB8888 || frame.fourcc == DRM_FORMAT_ARGB8888;
  const ChannelOffsets ch = *channels;
  for (uint32_t y = rect.y; y < rect.bottom(); ++y) {
    const uint64_t resource_row = uint64_t{view.y} + y;
    const uint64_t memory_row = frame.y0_top ? resource_row : frame.height - 1 - resource_row;
    const uint8_t* src = frame.pixels + memory_row * frame.stride + (uint64_t{view.x} + rect.x) * 4;
    uint8_t* dst = dst_base + y * dst_stride + uint64_t{rect.x} * 4;
    if (same_layout) {
      std::memcpy(dst, src, uint64_t{rect.width} * 4);
      continue;
    }
    for (uint32_t x = 0; x < rect.width; ++x, src += 4, dst += 4) {
      const uint32_t v = uint32_t{src[ch.r]} << 16 | uint32_t{src[ch.g]} << 8 | src[ch.b];
      std::memcpy(dst, &v, 4);
    }
  }
  cairo_surface_mark_dirty_rectangle(surface_, int(rect.x), int(rect.y), int(rect.width), int(rect.height));
  return uint64_t{rect.width} * rect.height * 4;
}

}  // namespace vugpu::gtk
