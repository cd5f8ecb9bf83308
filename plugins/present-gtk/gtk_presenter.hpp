// present.gtk: the scanouts as GTK 3 windows (or tabs of one), drawn with cairo. The device loop
// side only hands mode changes, frames and cursors to the GTK thread's mailbox and returns; the
// GTK thread copies each frame's damage and releases it at once.
//
// Threading: every Presenter method on the device loop (the SDK's rule); GtkThread does the rest.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include "gtk_options.hpp"
#include "gtk_thread.hpp"
#include "vugpu/host.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::gtk {

class GtkPresenter final : public Presenter {
 public:
  // Throws std::runtime_error when there is no display ($DISPLAY / $WAYLAND_DISPLAY unset) or
  // GTK cannot open it: the daemon then exits before serving, with that one line.
  GtkPresenter(HostServices& host, GtkOptions options);
  ~GtkPresenter() override;

  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) override;
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) override;
  void cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) override;
  void cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) override;
  void reset() override;
  void shutdown() override;

 private:
  HostServices& host_;
  const GtkOptions options_;
  std::unique_ptr<GtkThread> thread_;
  std::set<uint32_t> scanouts_;  // ever set: reset() disables them
  uint64_t frames_ = 0;
};

}  // namespace vugpu::gtk
