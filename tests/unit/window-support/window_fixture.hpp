// The fixture of the real-window tests of present.sdl and present.gtk: a private Xvfb, the
// plugin loaded through the real loader with vm_name = "<title_prefix>", driven as the device loop
// would (frames released into a counter), and what the X screen shows (xwd) compared with the
// guest's pattern. The tests use it as Windows (shared_window_tests.hpp): one fixture, its plugin
// named by the test binary, for the shared tests and each presenter's own.
//
// Threading: the test thread; counted releases may run on the plugin's toolkit thread.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include "../device/support/capturing_log.hpp"
#include "guest_pattern.hpp"
#include "host/loop_host_services.hpp"
#include "log/spdlog_log.hpp"
#include "plugin/loader.hpp"
#include "window_manager.hpp"
#include "xvfb_server.hpp"

namespace vugpu::test {

constexpr std::chrono::seconds kDeadline{15};  // safety net only: every wait ends when the state is reached


class WindowFixture : public ::testing::Test {
 protected:
  // `plugin`: "present.sdl"; `title_prefix`: its vm_name, the windows' title before ": scanout N".
  WindowFixture(std::string plugin, std::string title_prefix)
      : plugin_(std::move(plugin)), title_prefix_(std::move(title_prefix)) {}

  void SetUp() override;
  void TearDown() override;

  // Loads the plugin with `options` (TOML lines of its table) and connects to the X screen.
  void start(const std::string& options = "");
  // wait_for_display: $DISPLAY names a display no X server has yet (vugpu started before the X
  // session); returns its name (":N"). Before start().
  std::string use_display_not_up_yet();
  // Starts the X server of that display (the fixture's own goes), waits until the presenter
  // opened it (its "is up" line), then connects the test to it.
  void bring_display_up();
  // openbox on the private Xvfb (fullscreen needs a window manager); before start(). Throws
  // (a failure, not a skip) when openbox cannot run.
  void start_window_manager() { wm_ = std::make_unique<WindowManager>(xvfb_->display()); }
  // As a user's key press (XTEST) into `window`, focused first (xdotool). True when xdotool ran.
  bool press_key(const WindowInfo& window, const std::string& key);

  FrameRelease counted_release();
  void present(uint32_t scanout, const Frame& f, Rect damage) { presenter_->present(scanout, f, damage, counted_release()); }
  // Waits until `n` frames in total were released (uploaded or replaced).
  bool wait_released(uint64_t n);
  uint64_t released();

  // The guest's usual first frame: `img` painted with `seed`, scanout `scanout` set to its size
  // and the whole image presented (released into the counter). `img` must outlive the upload.
  void show_painted(uint32_t scanout, GuestImage& img, uint32_t seed) {
    img.paint(seed);
    presenter_->set_scanout(scanout, {img.width, img.height, true});
    present(scanout, img.frame(), {0, 0, img.width, img.height});
  }

  std::string title(uint32_t scanout) const { return title_prefix_ + ": scanout " + std::to_string(scanout); }

  // Waits until the window of `scanout` exists, is mapped, and `ok` holds for it.
  WindowInfo wait_window(uint32_t scanout, const std::function<bool(const WindowInfo&)>& ok = {});

  // Waits until the plugin logged a line containing `needle`; true when it did.
  bool wait_logged(const std::string& needle);

  // close = "exit" stops the daemon, so a child process plays it: it starts the plugin with
  // close = "exit", shows a 30 x 20 frame on scanout 0, runs the device loop until the plugin's
  // stop request, runs `check_log` (may be empty) and shuts the plugin down. Meanwhile the test
  // connects to the X screen, waits for that window and runs `in_parent` with it. Returns the
  // child's exit code: 0 when the request came with `want_status` and `check_log` held; 3: no
  // request; 4: an exception; 5: `check_log` false; 6: another status; 1: Xlib's exit(); -1:
  // killed by a signal.
  int run_until_stop_request(int want_status, const std::function<bool()>& check_log,
                             const std::function<void(const WindowInfo&)>& in_parent);

  // Runs the device loop (what plugins post to it) until a plugin's HostServices::request_stop
  // has run there: the exit status the daemon would end with, or nullopt at the deadline.
  std::optional<int> wait_stop_request();

  // Grabs the screen until `check` returns no error text, or the deadline; returns the last error.
  std::string wait_screen(const std::function<std::string(const Screenshot&)>& check);
  // A screenshot the presenter wrote: waits for the PNG `file`, decodes it (ImageMagick's
  // `convert`) and compares its width x height pixels with pattern_color(x, y, seed). "" when
  // they are equal, else what differs.
  static std::string png_shows_pattern(const std::string& file, uint32_t width, uint32_t height, uint32_t seed);

  // Checks that the picture at (x0, y0) on screen shows `img` (its rectangle `view`) with every
  // guest pixel `zoom` x `zoom` screen pixels. `seed_at` gives the seed of each guest pixel.
  static std::string shows(const Screenshot& s, int x0, int y0, Rect view, uint32_t zoom,
                           const std::function<uint32_t(uint32_t, uint32_t)>& seed_at);
  static std::string shows(const Screenshot& s, const WindowInfo& w, Rect view, uint32_t zoom, uint32_t seed) {
    return shows(s, w.x, w.y, view, zoom, [seed](uint32_t, uint32_t) { return seed; });
  }
  // Checks that `area` of the screen shows `view` (pattern `seed`) zoomed `zoom` times, centred,
  // with every other pixel of `area` black (the letterbox bars).
  static std::string shows_letterboxed(const Screenshot& s, const WindowInfo& area, Rect view, uint32_t zoom,
                                       uint32_t seed);
  // How many pixels of `area` on screen have a colour no pixel of a `width` x `height` picture
  // painted with `seed` has: blends of neighbours, i.e. linear filtering (0 with nearest).
  static uint64_t blended_pixels(const Screenshot& s, const WindowInfo& area, uint32_t width, uint32_t height,
                                 uint32_t seed);

  const std::string plugin_;
  const std::string title_prefix_;
  EventLoop loop_;
  CapturingLog log_;  // what the plugin logged (its lines are read by the tests)
  HostLinks links_;
  LoopHostServices host_{loop_, log_, links_};
  std::unique_ptr<PluginLoader> loader_;
  std::unique_ptr<XvfbServer> xvfb_;
  std::optional<uint32_t> later_display_;  // use_display_not_up_yet()'s number
  std::unique_ptr<WindowManager> wm_;  // only for tests that start one
  std::unique_ptr<XConnection> x_;
  PluginInstance<Presenter> presenter_;
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t released_ = 0;
};

}  // namespace vugpu::test
