#include "scanout_view.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>
#include "fit_geometry.hpp"
#include "rgb_png.hpp"

namespace vugpu::gtk {

namespace {
// A window being dragged changes size many times a second: its size goes to the guest once it
// held still this long (one mode change, not dozens).
constexpr guint kResizeDebounceMs = 200;
}  // namespace

ScanoutView::ScanoutView(uint32_t scanout_id, const GtkOptions& options, std::function<void(ViewAction)> on_action,
                         std::function<void(const DisplayMode&)> want_mode)
    : scanout_id_(scanout_id), options_(options), on_action_(std::move(on_action)), area_(gtk_drawing_area_new()),
      zoom_(options.zoom), want_mode_(std::move(want_mode)) {
  g_object_ref_sink(area_);
  gtk_widget_add_events(area_, GDK_BUTTON_PRESS_MASK);
  g_signal_connect(area_, "draw", G_CALLBACK(on_draw), this);
  g_signal_connect(area_, "button-press-event", G_CALLBACK(on_button), this);
  g_signal_connect(area_, "size-allocate", G_CALLBACK(on_size_allocate), this);
}

void ScanoutView::on_size_allocate(GtkWidget* widget, GdkRectangle* allocation, gpointer self_pointer) {
  auto* self = static_cast<ScanoutView*>(self_pointer);
  const int sf = gtk_widget_get_scale_factor(widget);
  const auto w = uint32_t(std::max(allocation->width, 0) * sf), h = uint32_t(std::max(allocation->height, 0) * sf);
  if (w == self->allocated_width_ && h == self->allocated_height_) return;
  self->allocated_width_ = w;
  self->allocated_height_ = h;
  if (self->options_.tabs || self->zoom_ != 0) return;  // only a window of its own, fitting, follows
  if (w == self->own_width_ && h == self->own_height_) return;  // ours: the guest's mode
  if (self->resize_timer_) g_source_remove(self->resize_timer_);
  self->resize_timer_ = g_timeout_add(kResizeDebounceMs, on_resize_settled, self);
}

gboolean ScanoutView::on_resize_settled(gpointer self_pointer) {
  auto* self = static_cast<ScanoutView*>(self_pointer);
  self->resize_timer_ = 0;
  const uint32_t w = self->allocated_width_, h = self->allocated_height_;
  if (w > 0 && h > 0 && (w != self->mode_.width || h != self->mode_.height)) {
    self->asked_ = DisplayMode{w, h, true};
    self->want_mode_(self->asked_);
  }
  return G_SOURCE_REMOVE;
}

ScanoutView::~ScanoutView() {
  if (resize_timer_) g_source_remove(resize_timer_);
  g_signal_handlers_disconnect_by_data(area_, this);
  g_object_unref(area_);
}

uint64_t ScanoutView::upload(const Frame& frame, const Rect& damage) {
  const uint64_t bytes = picture_.update(frame, damage);
  if (bytes) gtk_widget_queue_draw(area_);  // GTK's frame clock coalesces to the refresh
  return bytes;
}

void ScanoutView::set_cursor(const window::CursorState& cursor) {
  cursor_.update(cursor);
  gtk_widget_queue_draw(area_);
}

void ScanoutView::set_zoom(uint32_t zoom) {
  zoom_ = zoom;
  gtk_widget_queue_draw(area_);
}

cairo_filter_t ScanoutView::filter_for(bool integer_scale) const {
  if (options_.filter == Filter::Nearest || (options_.filter == Filter::Auto && integer_scale)) return CAIRO_FILTER_NEAREST;
  return CAIRO_FILTER_BILINEAR;
}

gboolean ScanoutView::on_draw(GtkWidget* widget, cairo_t* cr, gpointer self_pointer) {
  auto* self = static_cast<ScanoutView*>(self_pointer);
  const int sf = gtk_widget_get_scale_factor(widget);
  const auto dw = uint32_t(gtk_widget_get_allocated_width(widget) * sf);
  const auto dh = uint32_t(gtk_widget_get_allocated_height(widget) * sf);
  cairo_save(cr);
  cairo_scale(cr, 1.0 / sf, 1.0 / sf);  // device pixels: GDK_SCALE=2 draws the picture sharp
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_paint(cr);
  if (cairo_surface_t* picture = self->picture_.surface()) {
    const window::Placement p = window::place(self->picture_.width(), self->picture_.height(), dw, dh, self->zoom_);
    const cairo_filter_t filter = self->filter_for(p.integer_scale);
    cairo_rectangle(cr, p.x, p.y, p.width, p.height);
    cairo_clip(cr);
    cairo_translate(cr, p.x, p.y);
    cairo_scale(cr, double(p.width) / self->picture_.width(), double(p.height) / self->picture_.height());
    cairo_set_source_surface(cr, picture, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), filter);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_paint(cr);
    self->cursor_.paint(cr, filter);
  }
  cairo_restore(cr);
  return TRUE;
}

gboolean ScanoutView::on_button(GtkWidget*, GdkEventButton* event, gpointer self_pointer) {
  if (event->type != GDK_BUTTON_PRESS || event->button != GDK_BUTTON_SECONDARY) return FALSE;
  auto* self = static_cast<ScanoutView*>(self_pointer);
  GtkWidget* menu = gtk_menu_new();
  const auto item = [&](const char* label, ViewAction action) {
    GtkWidget* i = gtk_menu_item_new_with_label(label);
    g_object_set_data(G_OBJECT(i), "vugpu-action", GINT_TO_POINTER(int(action) + 1));
    g_signal_connect(i, "activate", G_CALLBACK(+[](GtkMenuItem* mi, gpointer view) {
                       const int a = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(mi), "vugpu-action")) - 1;
                       static_cast<ScanoutView*>(view)->on_action_(ViewAction(a));
                     }),
                     self);
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), i);
  };
  item("Screenshot (F12)", ViewAction::Screenshot);
  item("Full screen (F11)", ViewAction::ToggleFullscreen);
  item("Fit to window (Ctrl+0)", ViewAction::Fit);
  item("1:1 (Ctrl+1)", ViewAction::Zoom1);
  item("2x (Ctrl+2)", ViewAction::Zoom2);
  gtk_widget_show_all(menu);
  g_signal_connect(menu, "deactivate", G_CALLBACK(+[](GtkMenuShell* m, gpointer) {
                     g_idle_add([](gpointer w) { gtk_widget_destroy(GTK_WIDGET(w)); return G_SOURCE_REMOVE; }, m);
                   }),
                   nullptr);
  gtk_menu_popup_at_pointer(GTK_MENU(menu), reinterpret_cast<GdkEvent*>(event));
  return TRUE;
}

void ScanoutView::screenshot(const std::string& file) const {
  cairo_surface_t* picture = picture_.surface();
  if (!picture) throw std::runtime_error("screenshot " + file + ": scanout " + std::to_string(scanout_id_) + " shows nothing yet");
  const uint32_t w = picture_.width(), h = picture_.height();
  cairo_surface_t* out = cairo_image_surface_create(CAIRO_FORMAT_RGB24, int(w), int(h));
  cairo_t* cr = cairo_create(out);
  cairo_set_source_surface(cr, picture, 0, 0);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint(cr);
  cursor_.paint(cr, CAIRO_FILTER_NEAREST);
  cairo_destroy(cr);
  cairo_surface_flush(out);
  const uint8_t* data = cairo_image_surface_get_data(out);
  const int stride = cairo_image_surface_get_stride(out);
  std::vector<uint8_t> rgb(uint64_t{w} * h * 3);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      uint32_t v;
      std::memcpy(&v, data + uint64_t{y} * stride + x * 4, 4);
      uint8_t* d = &rgb[(uint64_t{y} * w + x) * 3];
      d[0] = uint8_t(v >> 16);
      d[1] = uint8_t(v >> 8);
      d[2] = uint8_t(v);
    }
  cairo_surface_destroy(out);
  window::write_rgb_png(file, w, h, rgb);
}

}  // namespace vugpu::gtk
