// The GTK thread: GTK's main loop, every window (or the one window with tabs), and the mailbox's
// consumer. The main loop sleeps until X or the mailbox wakes it (g_main_context_invoke): an idle
// guest costs no wake-ups. Each batch of changes is copied into the scanouts' cairo surfaces and
// the frames released at once; redraws go through GTK's frame clock, so a burst of flushes is
// one redraw at the display's refresh, showing the last frame. A frame with only a dma-buf is
// read back through EGL first (egl::ReadableFrames, where the host imports dma-bufs); elsewhere
// it is released unshown.
//
// With wait_for_display the thread first waits for its display (window::DisplayWaiter, no GTK
// yet), keeping the latest mode, picture and cursor of each scanout (window::KeptScanouts) and
// releasing each frame at once; they are applied as the first batch once GTK is up.
//
// Threading: constructor and stop() on the device loop (the constructor waits for GTK to start,
// or with wait_for_display only for the thread to run); everything else on the GTK thread.
#pragma once
#include <gtk/gtk.h>
#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <optional>
#include "gtk_options.hpp"
#include "display_waiter.hpp"
#include "kept_scanouts.hpp"
#include "readable_frames.hpp"
#include "scanout_mailbox.hpp"
#include "scanout_view.hpp"
#include "toolkit_thread.hpp"
#include "x_display_loss.hpp"
#include "vugpu/log.hpp"

namespace vugpu::gtk {

struct GtkStats {
  std::atomic<uint64_t> uploads{0}, bytes_copied{0}, unreadable{0};
};

class GtkThread {
 public:
  // Throws std::runtime_error when GTK cannot open the display.
  // `want_mode`: a window's user resized it (debounced; fit, layout "windows"):
  // HostServices::display_mode_wanted.
  // `request_stop`: HostServices::request_stop (a window closed with close = "exit": 0; the X
  // display lost with it: 1).
  GtkThread(Log& log, const GtkOptions& options, std::function<void(uint64_t bytes)> count_copy,
            std::function<void(uint32_t scanout_id, const DisplayMode& mode)> want_mode,
            std::function<void(int exit_status)> request_stop);
  ~GtkThread();
  GtkThread(const GtkThread&) = delete;
  GtkThread& operator=(const GtkThread&) = delete;

  void stop();  // idempotent; windows closed, queued frames released
  window::ScanoutMailbox& mailbox() { return mailbox_; }
  const GtkStats& stats() const { return stats_; }

 private:
  void run(std::promise<std::string>& started);
  void wake();
  void apply();  // the mailbox's changes
  void apply(std::map<uint32_t, window::ScanoutChanges> changes);
  void keep_changes();  // waiting for the display: the mailbox's changes kept, frames released
  ScanoutView& view_for(uint32_t scanout_id, const DisplayMode& mode);
  GtkWidget* toplevel_of(uint32_t scanout_id) const;
  void show(uint32_t scanout_id);
  void update_title(uint32_t scanout_id);
  void action(uint32_t scanout_id, ViewAction a);
  void on_close(GtkWidget* toplevel);
  bool on_key(GtkWidget* toplevel, const GdkEventKey* key);
  uint32_t current_scanout(GtkWidget* toplevel) const;

  Log& log_;
  const GtkOptions& options_;
  std::function<void(uint64_t)> count_copy_;
  std::function<void(uint32_t, const DisplayMode&)> want_mode_;
  std::function<void(int)> request_stop_;
  window::DisplayWaiter waiter_;  // wait_for_display: until GTK opens the display (before mailbox_: it wakes it)
  window::ScanoutMailbox mailbox_;
  window::XDisplayLoss loss_;  // the X server went away: one line, mailbox closed, thread parked
  GtkStats stats_;
  std::atomic<bool> running_{false};
  window::ToolkitThreadEnd end_;  // returned, or parked after the X display was lost

  // GTK thread only:
  std::map<uint32_t, std::unique_ptr<ScanoutView>> views_;
  std::map<uint32_t, GtkWidget*> windows_;  // layout "windows": scanout -> its toplevel
  GtkWidget* tabs_window_ = nullptr;        // layout "tabs"
  GtkWidget* notebook_ = nullptr;
  std::map<GtkWidget*, bool> fullscreen_;
  uint64_t screenshots_ = 0;
  window::KeptScanouts kept_;  // what came while waiting for the display
  std::optional<egl::ReadableFrames> readable_;  // from run()'s start: dma-buf frames read back, or not shown
  bool stopping_ = false;  // gtk_main() returned

  std::thread thread_;  // last
};

}  // namespace vugpu::gtk
