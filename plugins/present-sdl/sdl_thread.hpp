// The SDL thread: SDL's video subsystem, every window, and an event loop that sleeps in
// SDL_WaitEvent until something happens (a window event, a key, or a wake-up event pushed by
// the mailbox): an idle guest costs no wake-ups. It takes the mailbox's changes, uploads each
// frame's damage and releases the frame at once, then redraws the windows that changed, at
// most once per refresh interval (the display's refresh rate or max_fps): a burst of flushes
// is coalesced into one redraw that shows the last frame. A frame with only a dma-buf is read
// back through EGL first (egl::ReadableFrames, where the host imports dma-bufs) and released
// once that read-back is done; elsewhere it is released unshown.
//
// With wait_for_display the thread first waits for its display (window::DisplayWaiter, no SDL
// yet), keeping the latest mode, picture and cursor of each scanout (window::KeptScanouts) and
// releasing each frame at once; they are applied as the first batch once SDL is up.
//
// Threading: constructor and destructor on the device loop (the constructor waits for SDL to
// start, or with wait_for_display only for the thread to run; the destructor stops and joins
// the thread); everything else runs on the SDL thread.
#pragma once
#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <map>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <optional>
#include "display_waiter.hpp"
#include "kept_scanouts.hpp"
#include "readable_frames.hpp"
#include "scanout_mailbox.hpp"
#include "sdl_options.hpp"
#include "sdl_window.hpp"
#include "toolkit_thread.hpp"
#include "x_display_loss.hpp"
#include "vugpu/log.hpp"

namespace vugpu::sdl {

using window::CursorPicture;
using window::CursorState;
using window::PendingFrame;
using window::Placement;
using window::ScanoutChanges;
using window::ScanoutMailbox;
using window::place;

struct SdlStats {
  std::atomic<uint64_t> uploads{0}, bytes_uploaded{0}, redraws{0}, unreadable{0};
};

class SdlThread {
 public:
  // Throws std::runtime_error (SDL's reason) when SDL's video cannot start.
  // `want_mode`: a window's user resized it (debounced; fit only): HostServices::display_mode_wanted.
  // `request_stop`: HostServices::request_stop (a window closed with close = "exit": 0; the X
  // display lost with it: 1).
  SdlThread(Log& log, const SdlOptions& options, std::function<void(uint64_t bytes)> count_copy,
            std::function<void(uint32_t scanout_id, const DisplayMode& mode)> want_mode,
            std::function<void(int exit_status)> request_stop);
  ~SdlThread();
  SdlThread(const SdlThread&) = delete;
  SdlThread& operator=(const SdlThread&) = delete;

  // Stops and joins the SDL thread (windows closed, frames still queued released). Idempotent.
  void stop();

  ScanoutMailbox& mailbox() { return mailbox_; }
  const SdlStats& stats() const { return stats_; }
  // "p50 X ms, p99 Y ms over N redraws": flush (present()) -> the picture drawn into the window's
  // back buffer and presented. Any thread.
  std::string latency_summary() const;

 private:
  using Clock = std::chrono::steady_clock;

  void run(std::promise<std::string>& started);
  void wake();        // any thread: asks the waker to wake the SDL thread
  void run_waker();   // the waker thread
  void stop_waker();  // idempotent; the SDL thread at its end, or stop() when it parked
  void keep_changes();  // waiting for the display: the mailbox's changes kept, frames released
  void handle(const SDL_Event& e);
  void apply(std::map<uint32_t, ScanoutChanges> changes);
  void redraw_due(Clock::time_point now);
  void report_resizes(Clock::time_point now);
  void on_close(uint32_t scanout_id, SdlWindow& w);
  SdlWindow* window_by_sdl_id(uint32_t sdl_id, uint32_t* scanout_id = nullptr);
  std::chrono::microseconds refresh_interval() const;

  Log& log_;
  const SdlOptions& options_;
  std::function<void(uint64_t)> count_copy_;
  std::function<void(uint32_t, const DisplayMode&)> want_mode_;
  std::function<void(int)> request_stop_;
  window::DisplayWaiter waiter_;  // wait_for_display: until SDL opens the display (before mailbox_: it wakes it)
  ScanoutMailbox mailbox_;
  window::XDisplayLoss loss_;  // the X server went away: one line, mailbox closed, threads parked
  SdlStats stats_;
  uint32_t wake_event_ = 0;
  std::atomic<bool> stop_{false};
  window::ToolkitThreadEnd end_;  // returned, or parked after the X display was lost

  // SDL thread only:
  std::map<uint32_t, std::unique_ptr<SdlWindow>> windows_;
  std::map<uint32_t, Clock::time_point> oldest_undrawn_;  // per scanout: when its first undrawn frame was flushed
  Clock::time_point next_redraw_{};
  std::chrono::microseconds interval_{16666};  // between redraws
  uint64_t screenshots_ = 0;
  uint32_t screenshot_scanout_ = UINT32_MAX;  // F12 pressed in this window
  window::KeptScanouts kept_;  // what came while waiting for the display
  std::optional<egl::ReadableFrames> readable_;  // from run()'s start: dma-buf frames read back, or not shown

  mutable std::mutex latency_mutex_;
  std::vector<double> latency_ms_;

  // The waker: SDL_PushEvent sends an X event to wake SDL_WaitEvent, so the device loop hands
  // its wake-ups to this thread (started and stopped by the SDL thread) and never calls X.
  std::mutex waker_mutex_, waker_stop_mutex_;
  std::condition_variable waker_cv_;
  bool wake_requested_ = false, waker_stop_ = false;
  window::ToolkitThreadEnd waker_end_;
  std::thread waker_;

  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace vugpu::sdl
