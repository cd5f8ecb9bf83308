// One scanout drawn in a GtkDrawingArea: the picture letterboxed or zoomed (in device pixels, so
// GDK_SCALE=2 stays sharp), the cursor over it, a right-click menu. The containers (a window
// each, or notebook tabs) belong to GtkThread. GTK thread only.
#pragma once
#include <gtk/gtk.h>
#include <cstdint>
#include <functional>
#include <string>
#include "cursor_overlay.hpp"
#include "gtk_options.hpp"
#include "scanout_picture.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::gtk {

enum class ViewAction { Screenshot, ToggleFullscreen, Fit, Zoom1, Zoom2 };

class ScanoutView {
 public:
  // `want_mode`: its user resized the view (scale = "fit", layout "windows"; debounced): the
  // picture's size in device pixels, for HostServices::display_mode_wanted.
  ScanoutView(uint32_t scanout_id, const GtkOptions& options, std::function<void(ViewAction)> on_action,
              std::function<void(const DisplayMode&)> want_mode);
  ~ScanoutView();
  ScanoutView(const ScanoutView&) = delete;
  ScanoutView& operator=(const ScanoutView&) = delete;

  GtkWidget* widget() const { return area_; }
  uint32_t scanout_id() const { return scanout_id_; }
  const DisplayMode& mode() const { return mode_; }
  uint32_t zoom() const { return zoom_; }

  void set_mode(const DisplayMode& mode) { mode_ = mode; }
  // We size the window ourselves (the guest's mode, zoomed) to this many device pixels: an
  // allocation of that size is ours, not a wish of the user's.
  void set_own_size(uint32_t width, uint32_t height) { own_width_ = width, own_height_ = height; }
  // The last mode asked of the guest: its SET_SCANOUT to it resizes nothing (no loop).
  const DisplayMode& asked() const { return asked_; }
  void forget_asked() { asked_ = {}; }  // taken, or the guest chose otherwise
  uint64_t upload(const Frame& frame, const Rect& damage);  // bytes copied; queues a redraw
  void set_cursor(const window::CursorState& cursor);
  void set_zoom(uint32_t zoom);
  // The picture and the cursor at 1:1 as a PNG; throws std::runtime_error.
  void screenshot(const std::string& file) const;

 private:
  static gboolean on_draw(GtkWidget* widget, cairo_t* cr, gpointer self);
  static gboolean on_button(GtkWidget* widget, GdkEventButton* event, gpointer self);
  static void on_size_allocate(GtkWidget* widget, GdkRectangle* allocation, gpointer self);
  static gboolean on_resize_settled(gpointer self);
  cairo_filter_t filter_for(bool integer_scale) const;

  const uint32_t scanout_id_;
  const GtkOptions& options_;
  std::function<void(ViewAction)> on_action_;
  GtkWidget* area_;  // we hold a reference: it outlives its container
  ScanoutPicture picture_;
  CursorOverlay cursor_;
  DisplayMode mode_;
  uint32_t zoom_;
  std::function<void(const DisplayMode&)> want_mode_;
  uint32_t own_width_ = 0, own_height_ = 0;
  uint32_t allocated_width_ = 0, allocated_height_ = 0;  // device pixels
  guint resize_timer_ = 0;  // pending debounce (a GLib source id), 0: none
  DisplayMode asked_;
};

}  // namespace vugpu::gtk
