// The guest's cursor over its scanout: a 64x64 cairo ARGB32 surface (premultiplied, exactly the
// guest's format), painted OVER the picture at the cursor position with the picture's scale.
// GTK thread only.
#pragma once
#include <cairo.h>
#include "fit_geometry.hpp"
#include "scanout_mailbox.hpp"

namespace vugpu::gtk {

class CursorOverlay {
 public:
  CursorOverlay() = default;
  ~CursorOverlay();
  CursorOverlay(const CursorOverlay&) = delete;
  CursorOverlay& operator=(const CursorOverlay&) = delete;

  void update(const window::CursorState& state);
  // `cr` is in picture pixels (the caller set up the picture's transform and clip).
  void paint(cairo_t* cr, cairo_filter_t filter) const;

 private:
  cairo_surface_t* surface_ = nullptr;
  bool visible_ = false;
  uint32_t x_ = 0, y_ = 0, hot_x_ = 0, hot_y_ = 0;
};

}  // namespace vugpu::gtk
