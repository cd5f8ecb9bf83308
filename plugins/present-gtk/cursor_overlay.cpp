#include "cursor_overlay.hpp"

#include <cstring>

namespace vugpu::gtk {

CursorOverlay::~CursorOverlay() {
  if (surface_) cairo_surface_destroy(surface_);
}

void CursorOverlay::update(const window::CursorState& state) {
  x_ = state.x;
  y_ = state.y;
  if (!state.picture_changed) return;
  visible_ = state.picture != nullptr;
  if (!visible_) return;
  constexpr int kSize = int(CursorImage::kSize);
  if (!surface_) surface_ = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, kSize, kSize);
  cairo_surface_flush(surface_);
  uint8_t* data = cairo_image_surface_get_data(surface_);
  const int stride = cairo_image_surface_get_stride(surface_);
  for (int y = 0; y < kSize; ++y) std::memcpy(data + y * stride, state.picture->argb.data() + y * kSize, kSize * 4);
  cairo_surface_mark_dirty(surface_);
  hot_x_ = state.picture->hot_x;
  hot_y_ = state.picture->hot_y;
}

void CursorOverlay::paint(cairo_t* cr, cairo_filter_t filter) const {
  if (!visible_ || !surface_) return;
  cairo_save(cr);
  cairo_set_source_surface(cr, surface_, double(int64_t{x_} - hot_x_), double(int64_t{y_} - hot_y_));
  cairo_pattern_set_filter(cairo_get_source(cr), filter);
  cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
  cairo_paint(cr);
  cairo_restore(cr);
}

}  // namespace vugpu::gtk
