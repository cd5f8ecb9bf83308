// The windowed presenters' shared behaviour in real windows (fixture: shared_window_tests.hpp):
// each test starts its own Xvfb, loads the binary's presenter through the real loader, drives it
// as the device loop would, and checks what the X screen shows (xwd). Compiled into
// present_sdl_test and present_gtk_test; ctest names them Sdl.<test> and Gtk.<test>.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include "plugin/plugin_error.hpp"
#include "shared_window_tests.hpp"
#include "udmabuf_image.hpp"

static_assert(std::endian::native == std::endian::little, "DRM fourccs name little-endian words");

namespace vugpu {
namespace {

using test::GuestImage;
using test::Rgb;
using test::Screenshot;
using test::WindowInfo;
using test::Windows;
using namespace std::chrono_literals;

using test::fourcc_name;
using test::kDeadline;

// The 30x20 XRGB8888 pattern of `seed` stored bottom-up (GL textures: memory row 0 is the
// picture's last row); the frame made of it needs y0_top = false.
GuestImage bottom_up_pattern_30x20(uint32_t seed) {
  GuestImage flipped(30, 20, DRM_FORMAT_XRGB8888);
  for (uint32_t y = 0; y < 20; ++y)
    for (uint32_t x = 0; x < 30; ++x) {
      const uint32_t v = test::pack(DRM_FORMAT_XRGB8888, test::color(x, y, seed), 0);
      std::memcpy(&flipped.bytes[(19 - y) * flipped.stride + x * 4], &v, 4);
    }
  return flipped;
}

class Formats : public Windows, public ::testing::WithParamInterface<uint32_t> {};

TEST_P(Formats, PixelExactAtOneToOne) {
  start();
  GuestImage img(61, 37, GetParam());
  show_painted(0, img, 1);
  const WindowInfo w = wait_window(0, [](const WindowInfo& w) { return w.width == 61 && w.height == 37; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 61, 37}, 1, 1); }), "");
  EXPECT_TRUE(wait_released(1)) << "the frame is released once uploaded";
}

INSTANTIATE_TEST_SUITE_P(AllFourccs, Formats,
                         ::testing::ValuesIn(test::kAllFourccs),
                         [](const auto& info) { return fourcc_name(info.param); });

TEST_F(Windows, ViewOfALargerResourceAndBottomUpFrames) {
  start();
  GuestImage img(50, 40, DRM_FORMAT_XRGB8888);
  img.paint(3);
  const Rect view{7, 5, 30, 20};
  presenter_->set_scanout(0, {30, 20, true});
  present(0, img.frame(view), {0, 0, 30, 20});
  const WindowInfo w = wait_window(0, [](const WindowInfo& w) { return w.width == 30; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, view, 1, 3); }), "");

  // Bottom-up storage (GL textures): memory row 0 is the picture's last row.
  ASSERT_TRUE(wait_released(1));
  GuestImage flipped = bottom_up_pattern_30x20(4);
  Frame f = flipped.frame();
  f.y0_top = false;
  present(0, f, {0, 0, 30, 20});
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 4); }), "");
}

TEST_F(Windows, OnlyTheDamagedRectangleIsUploaded) {
  start();
  GuestImage img(40, 30, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  ASSERT_TRUE(wait_released(1));
  EXPECT_EQ(links_.bytes_copied.load(), 40u * 30 * 4);
  const WindowInfo w = wait_window(0);
  ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 40, 30}, 1, 1); }), "");

  // The guest repaints everything but flushes only (3,2) 5x4: the window shows the new pixels
  // there and the old ones elsewhere, and only 5x4 pixels were uploaded.
  img.paint(2);
  present(0, img.frame(), {3, 2, 5, 4});
  ASSERT_TRUE(wait_released(2));
  EXPECT_EQ(links_.bytes_copied.load(), 40u * 30 * 4 + 5 * 4 * 4);
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              return shows(s, w.x, w.y, {0, 0, 40, 30}, 1, [](uint32_t x, uint32_t y) {
                return x >= 3 && x < 8 && y >= 2 && y < 6 ? 2u : 1u;
              });
            }),
            "");
}

TEST_F(Windows, IntegerZoomIsNearest) {
  start("scale = \"3\"\n");
  GuestImage img(20, 12, DRM_FORMAT_ABGR8888);
  show_painted(0, img, 5);
  const WindowInfo w = wait_window(0, [](const WindowInfo& w) { return w.width == 60 && w.height == 36; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 20, 12}, 3, 5); }), "");
}

// At a non-integer scale (a 40x20 picture in a 100x50 window: 2.5x) filter = "auto" samples
// linearly (blends no guest pixel has, between every pair of neighbours); filter = "nearest"
// shows only guest colours.
class Filters : public Windows, public ::testing::WithParamInterface<bool> {};

TEST_P(Filters, NonIntegerScaleIsLinearUnlessNearestIsAsked) {
  const bool nearest = GetParam();
  start(nearest ? "filter = \"nearest\"\n" : "");
  GuestImage img(40, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 6);
  WindowInfo w = wait_window(0);
  ASSERT_EQ(std::system(("DISPLAY=" + xvfb_->display() + " xdotool windowsize " + std::to_string(w.id) + " 100 50").c_str()), 0);
  w = wait_window(0, [](const WindowInfo& w) { return w.width == 100 && w.height == 50; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              // The scaled picture fills the window (no bars): its centre is no longer black.
              if (s.at(uint32_t(w.x + 50), uint32_t(w.y + 25)) == Rgb{0, 0, 0}) return std::string("not drawn yet");
              const uint64_t blended = blended_pixels(s, w, 40, 20, 6);
              if (nearest) return blended == 0 ? std::string() : std::to_string(blended) + " blended pixels with nearest";
              return blended >= 100 * 50 / 4 ? std::string() : "only " + std::to_string(blended) + " blended pixels";
            }),
            "");
}

INSTANTIATE_TEST_SUITE_P(AutoAndNearest, Filters, ::testing::Bool(),
                         [](const auto& info) { return info.param ? std::string("Nearest") : std::string("Auto"); });

TEST_F(Windows, ResizedWindowLetterboxesWithAspectKept) {
  start();
  GuestImage img(40, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 6);
  WindowInfo w = wait_window(0);
  // As a user would drag it: 160x200 is 4x wide, 10x tall -> scale 4, bars top and bottom.
  ASSERT_EQ(std::system(("xdotool windowsize " + std::to_string(w.id) + " 160 200").c_str()), 0);
  w = wait_window(0, [](const WindowInfo& w) { return w.width == 160 && w.height == 200; });
  const int bar = (200 - 80) / 2;
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              std::string e = shows(s, w.x, w.y + bar, {0, 0, 40, 20}, 4, [](uint32_t, uint32_t) { return 6u; });
              if (!e.empty()) return e;
              for (uint32_t y = 0; y < 200; ++y) {
                if (y >= uint32_t(bar) && y < uint32_t(bar) + 80) continue;
                for (uint32_t x = 0; x < 160; ++x)
                  if (s.at(w.x + x, w.y + y) != Rgb{0, 0, 0}) return "bar pixel " + std::to_string(x) + "," + std::to_string(y) + " not black";
              }
              return std::string();
            }),
            "");

  // Wider than the picture: bars left and right (60 = 3x20 tall, 3x40 = 120 wide in 200).
  ASSERT_EQ(std::system(("xdotool windowsize " + std::to_string(w.id) + " 200 60").c_str()), 0);
  w = wait_window(0, [](const WindowInfo& w) { return w.width == 200 && w.height == 60; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              std::string e = shows(s, w.x + 40, w.y, {0, 0, 40, 20}, 3, [](uint32_t, uint32_t) { return 6u; });
              if (!e.empty()) return e;
              for (uint32_t y = 0; y < 60; ++y)
                for (uint32_t x : {0u, 39u, 160u, 199u})
                  if (s.at(w.x + x, w.y + y) != Rgb{0, 0, 0}) return "bar pixel " + std::to_string(x) + "," + std::to_string(y) + " not black";
              return std::string();
            }),
            "");
}

TEST_F(Windows, CursorDrawnAtItsHotSpotAndScaled) {
  start("scale = \"2\"\n");
  GuestImage img(80, 60, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 7);
  // Premultiplied ARGB: an opaque red 6x4 block at (1,1) of the 64x64 image, a half-transparent
  // white pixel next to it, the rest fully transparent.
  std::vector<uint32_t> argb(64 * 64, 0);
  for (uint32_t y = 1; y < 5; ++y)
    for (uint32_t x = 1; x < 7; ++x) argb[y * 64 + x] = 0xFFFF0000u;
  CursorImage cursor;
  cursor.hot_x = 1;
  cursor.hot_y = 1;
  cursor.argb = argb.data();
  presenter_->cursor_update(0, 30, 20, &cursor);  // block's top-left at picture (30,20)
  const WindowInfo w = wait_window(0, [](const WindowInfo& w) { return w.width == 160; });
  const auto cursor_at = [&](uint32_t cx, uint32_t cy) {
    return [&, cx, cy](const Screenshot& s) {
      for (uint32_t y = 0; y < 120; ++y)
        for (uint32_t x = 0; x < 160; ++x) {
          const bool red = x / 2 >= cx && x / 2 < cx + 6 && y / 2 >= cy && y / 2 < cy + 4;
          const Rgb want = red ? Rgb{255, 0, 0} : test::pattern_color(x / 2, y / 2, 7);
          if (s.at(w.x + x, w.y + y) != want) return "pixel " + std::to_string(x) + "," + std::to_string(y);
        }
      return std::string();
    };
  };
  EXPECT_EQ(wait_screen(cursor_at(30, 20)), "");
  presenter_->cursor_move(0, 50, 40);
  EXPECT_EQ(wait_screen(cursor_at(50, 40)), "");
  presenter_->cursor_update(0, 0, 0, nullptr);  // hidden
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 80, 60}, 2, 7); }), "");
}

TEST_F(Windows, TwoScanoutsAreTwoWindows) {
  start();
  GuestImage a(30, 20, DRM_FORMAT_XRGB8888), b(24, 16, DRM_FORMAT_RGBA8888);
  a.paint(10);
  b.paint(20);
  presenter_->set_scanout(0, {30, 20, true});
  presenter_->set_scanout(1, {24, 16, true});
  present(0, a.frame(), {0, 0, 30, 20});
  present(1, b.frame(), {0, 0, 24, 16});
  const WindowInfo w0 = wait_window(0, [](const WindowInfo& w) { return w.width == 30; });
  const WindowInfo w1 = wait_window(1, [](const WindowInfo& w) { return w.width == 24; });
  ASSERT_NE(w0.id, w1.id);
  // Without a window manager both sit at the same place: move one aside to see both.
  ASSERT_EQ(std::system(("xdotool windowmove " + std::to_string(w1.id) + " 500 400").c_str()), 0);
  const WindowInfo moved = wait_window(1, [](const WindowInfo& w) { return w.x == 500; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              const std::string e = shows(s, w0, {0, 0, 30, 20}, 1, 10);
              return e.empty() ? shows(s, moved, {0, 0, 24, 16}, 1, 20) : e;
            }),
            "");
}

// Fullscreen under a window manager (openbox; bare Xvfb never grants it): the window covers the
// 1024x768 screen and shows the 128x48 picture letterboxed (8x: 1024x384, black bars of 192
// rows above and below); F11 brings the window back at the picture's size.
constexpr Rect kFullscreenPicture{0, 0, 128, 48};
constexpr uint32_t kFullscreenZoom = 8;

bool covers_screen(const WindowInfo& w) { return w.x == 0 && w.y == 0 && w.width == 1024 && w.height == 768; }
bool windowed(const WindowInfo& w) { return w.width == 128 && w.height == 48; }

TEST_F(Windows, FullscreenOptionFillsTheScreenAndF11RestoresTheWindow) {
  start_window_manager();
  start("fullscreen = true\n");
  GuestImage img(128, 48, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 8);
  WindowInfo w = wait_window(0, covers_screen);
  ASSERT_TRUE(covers_screen(w));
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows_letterboxed(s, w, kFullscreenPicture, kFullscreenZoom, 8); }), "");
  ASSERT_TRUE(press_key(w, "F11"));
  w = wait_window(0, windowed);
  ASSERT_TRUE(windowed(w));
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, kFullscreenPicture, 1, 8); }), "");
}

TEST_F(Windows, F11TogglesFullscreenUnderAWindowManager) {
  start_window_manager();
  start();
  GuestImage img(128, 48, DRM_FORMAT_BGRX8888);
  show_painted(0, img, 9);
  WindowInfo w = wait_window(0, windowed);
  ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, kFullscreenPicture, 1, 9); }), "");
  ASSERT_TRUE(press_key(w, "F11"));
  w = wait_window(0, covers_screen);
  ASSERT_TRUE(covers_screen(w));
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows_letterboxed(s, w, kFullscreenPicture, kFullscreenZoom, 9); }), "");
  ASSERT_TRUE(press_key(w, "F11"));
  w = wait_window(0, windowed);
  ASSERT_TRUE(windowed(w));
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, kFullscreenPicture, 1, 9); }), "");
}

// The X server dies under a running presenter (Xlib's IO error handler would exit() the whole
// daemon): with close = "hide" (the default) the presenter logs one line naming the display and
// vugpu goes on serving: this process lives on, and every later frame is released at once.
TEST_F(Windows, XServerGoneLogsOneLineAndKeepsServing) {
  start();
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  const WindowInfo w = wait_window(0);
  ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 1); }), "");
  ASSERT_TRUE(wait_released(1));
  const std::string display = xvfb_->display();
  x_.reset();  // the test's own connection goes first: only the presenter meets the dead server
  xvfb_->kill_now();
  const std::string line = "X display " + display + " lost (the X server went away or dropped the connection)";
  ASSERT_TRUE(wait_logged(line));
  EXPECT_EQ(log_.count_containing(line), 1u);
  EXPECT_EQ(log_.count_containing("vugpu goes on serving the guest without them (close = \"hide\""), 1u);
  for (uint32_t i = 0; i < 3; ++i) present(0, img.frame(), {0, 0, 30, 20});
  presenter_->set_scanout(0, {40, 30, true});
  presenter_->cursor_move(0, 3, 4);
  EXPECT_TRUE(wait_released(4)) << "frames after the loss are released, never kept for a window that is gone";
  presenter_->shutdown();  // returns: the parked toolkit thread is detached, not joined
}

// With close = "exit" the loss stops vugpu (after its one line) with exit status 1, a failure,
// instead of Xlib's exit(1) behind the daemon's back. A child process plays the daemon.
TEST_F(Windows, XServerGoneWithCloseExitStopsWithStatusOne) {
  const std::string display = xvfb_->display();
  const int code = run_until_stop_request(
      1,
      [&] {
        return log_.count_containing("X display " + display + " lost") == 1 &&
               log_.count_containing("stopping vugpu with exit status 1 (close = \"exit\")") == 1;
      },
      [&](const WindowInfo&) {
        x_.reset();
        xvfb_->kill_now();
      });
  EXPECT_EQ(code, 0) << "(1: Xlib's exit; 3: no stop request; 5: not the one line; 6: not status 1)";
}

// Neither $DISPLAY nor $WAYLAND_DISPLAY: one line at start, with wait_for_display too (there
// is no display to wait for).
TEST_F(Windows, NoDisplayIsOneClearErrorAtStart) {
  ::unsetenv("DISPLAY");
  for (const char* wait : {"false", "true"}) {
    SCOPED_TRACE(std::string("wait_for_display = ") + wait);
    try {
      start(std::string("wait_for_display = ") + wait + "\n");
      FAIL() << "started without a display";
    } catch (const PluginError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(plugin_ + " failed to start: no display: $DISPLAY is not set"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
    }
  }
}

// $DISPLAY names a display whose X server is not there: without wait_for_display, one line
// naming the variable and its value at start (the daemon exits before serving).
TEST_F(Windows, DisplayNotUpFailsAtStartWithoutWaitForDisplay) {
  const std::string display = use_display_not_up_yet();
  try {
    start();
    FAIL() << "started without its display";
  } catch (const PluginError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(plugin_ + " failed to start: "), std::string::npos) << what;
    EXPECT_NE(what.find("$DISPLAY=" + display), std::string::npos) << what;
    EXPECT_NE(what.find("wait_for_display = true"), std::string::npos) << "names the option: " << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
}

// wait_for_display = true and a display not up yet (vugpu started at boot, before the X
// session): the presenter starts and serves, every frame is released at once (none waits for a
// window), one line says it waits; when an X server starts on that display the window opens,
// one line says so, and it shows the latest picture: the first frame with a later frame's
// damaged rectangle on it (a presenter that kept only the last frame whole, or nothing, fails).
TEST_F(Windows, WaitForDisplayServesThenShowsTheLatestPictureWhenItIsUp) {
  const std::string display = use_display_not_up_yet();
  start("wait_for_display = true\n");
  const std::string waiting = "waiting for display " + display + " (no server has made /tmp/.X11-unix/X" +
                              display.substr(1) + " yet)";
  ASSERT_TRUE(wait_logged(waiting));
  GuestImage first(40, 30, DRM_FORMAT_XRGB8888);
  show_painted(0, first, 1);
  ASSERT_TRUE(wait_released(1)) << "released with no window to show it";
  GuestImage later(40, 30, DRM_FORMAT_XRGB8888);
  later.paint(2);
  const Rect damage{10, 5, 20, 12};
  const auto presented = std::chrono::steady_clock::now();
  constexpr uint64_t kLater = 50;
  for (uint64_t i = 0; i < kLater; ++i) present(0, later.frame(), damage);
  ASSERT_TRUE(wait_released(1 + kLater)) << "every frame released while the display is not up";
  std::cout << kLater << " frames released " << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - presented).count()
            << " ms after the first was presented, no display" << std::endl;
  EXPECT_EQ(log_.count_containing("waiting for display"), 1u);
  EXPECT_EQ(log_.count_containing("is up after"), 0u);

  const auto starting = std::chrono::steady_clock::now();
  bring_display_up();
  const auto up = std::chrono::steady_clock::now();  // Xvfb runs, the presenter opened it
  std::cout << "Xvfb start -> the presenter opened the display: " << std::chrono::duration<double, std::milli>(up - starting).count() << " ms" << std::endl;
  const WindowInfo w = wait_window(0, [](const WindowInfo& w) { return w.width == 40 && w.height == 30; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              return shows(s, w.x, w.y, {0, 0, 40, 30}, 1, [&](uint32_t x, uint32_t y) {
                return damage.intersected({x, y, 1, 1}).empty() ? 1u : 2u;
              });
            }),
            "");
  std::cout << "display opened -> window showing the kept picture: "
            << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - up).count() << " ms"
            << std::endl;
  EXPECT_TRUE(wait_logged("display " + display + " is up after"));
  EXPECT_EQ(log_.count_containing("is up after"), 1u);
  EXPECT_EQ(log_.count_containing("waiting for display"), 1u);
  // From then on as always.
  first.paint(3);
  present(0, first.frame(), {0, 0, 40, 30});
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 40, 30}, 1, 3); }), "");
  EXPECT_TRUE(wait_released(2 + kLater));
}

// What is kept while waiting is the view, whatever the frame's layout: a view of a larger
// resource, then a bottom-up frame (GL textures) whose damage only is copied over it.
TEST_F(Windows, WaitForDisplayKeepsAViewAndBottomUpDamage) {
  const std::string display = use_display_not_up_yet();
  start("wait_for_display = true\n");
  ASSERT_TRUE(wait_logged("waiting for display " + display));
  GuestImage img(50, 40, DRM_FORMAT_XRGB8888);
  img.paint(3);
  const Rect view{7, 5, 30, 20};
  presenter_->set_scanout(0, {30, 20, true});
  present(0, img.frame(view), {0, 0, 30, 20});
  ASSERT_TRUE(wait_released(1));
  GuestImage flipped = bottom_up_pattern_30x20(4);
  Frame f = flipped.frame();
  f.y0_top = false;
  const Rect damage{4, 3, 10, 6};
  present(0, f, damage);
  ASSERT_TRUE(wait_released(2));
  bring_display_up();
  const WindowInfo w = wait_window(0, [](const WindowInfo& w) { return w.width == 30 && w.height == 20; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              for (uint32_t y = 0; y < 20; ++y)
                for (uint32_t x = 0; x < 30; ++x) {
                  const bool damaged = !damage.intersected({x, y, 1, 1}).empty();
                  const Rgb want = damaged ? test::pattern_color(x, y, 4) : test::pattern_color(view.x + x, view.y + y, 3);
                  if (s.at(w.x + x, w.y + y) != want) return "pixel " + std::to_string(x) + "," + std::to_string(y);
                }
              return std::string();
            }),
            "");
}

// While waiting, the cursor is kept too (its image, and the last move), and a scanout the guest
// disabled is forgotten with its picture: when the display is up, scanout 0's window shows the
// picture with the cursor where it moved last, and scanout 1 gets no window.
TEST_F(Windows, WaitForDisplayKeepsTheCursorAndForgetsADisabledScanout) {
  const std::string display = use_display_not_up_yet();
  start("wait_for_display = true\n");
  ASSERT_TRUE(wait_logged("waiting for display " + display));
  GuestImage img(40, 30, DRM_FORMAT_XRGB8888), other(24, 16, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 4);
  show_painted(1, other, 5);
  std::vector<uint32_t> argb(64 * 64, 0);
  for (uint32_t y = 1; y < 5; ++y)
    for (uint32_t x = 1; x < 7; ++x) argb[y * 64 + x] = 0xFFFF0000u;  // an opaque red 6x4 block at (1,1)
  CursorImage cursor;
  cursor.hot_x = 1;
  cursor.hot_y = 1;
  cursor.argb = argb.data();
  presenter_->cursor_update(0, 5, 5, &cursor);
  presenter_->cursor_move(0, 20, 10);
  presenter_->set_scanout(1, {});
  ASSERT_TRUE(wait_released(2));
  bring_display_up();
  const WindowInfo w = wait_window(0, [](const WindowInfo& w) { return w.width == 40 && w.height == 30; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              for (uint32_t y = 0; y < 30; ++y)
                for (uint32_t x = 0; x < 40; ++x) {
                  const bool red = x >= 20 && x < 26 && y >= 10 && y < 14;
                  const Rgb want = red ? Rgb{255, 0, 0} : test::pattern_color(x, y, 4);
                  if (s.at(w.x + x, w.y + y) != want) return "pixel " + std::to_string(x) + "," + std::to_string(y);
                }
              return std::string();
            }),
            "");
  const std::optional<WindowInfo> disabled = x_->find(title(1));
  EXPECT_FALSE(disabled && disabled->viewable) << "a window for the scanout the guest disabled while waiting";
}

// vugpu stops (SIGTERM: the daemon shuts its presenters down) while the presenter waits for
// its display: shutdown() returns at once (the wait is woken, not timed out), and a frame
// presented after it is released.
TEST_F(Windows, StopWhileWaitingForTheDisplayIsPrompt) {
  const std::string display = use_display_not_up_yet();
  start("wait_for_display = true\n");
  ASSERT_TRUE(wait_logged("waiting for display " + display));
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  ASSERT_TRUE(wait_released(1));
  const auto t0 = std::chrono::steady_clock::now();
  presenter_->shutdown();
  const auto took = std::chrono::steady_clock::now() - t0;
  std::cout << "shutdown while waiting took " << std::chrono::duration<double, std::milli>(took).count() << " ms"
            << std::endl;
  EXPECT_LT(took, 500ms) << "woken by the stop, not by a timer";
  present(0, img.frame(), {0, 0, 30, 20});
  EXPECT_TRUE(wait_released(2));
}

TEST_F(Windows, CloseHidesUntilTheGuestSetsTheScanoutAgain) {
  start();  // close = "hide" is the default
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  const WindowInfo w = wait_window(0);
  x_->request_close(w.id);
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  while (x_->find(title(0)).value_or(WindowInfo{}).viewable && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(x_->find(title(0))->viewable) << "closed window is hidden";
  presenter_->set_scanout(0, {30, 20, true});
  EXPECT_TRUE(wait_window(0).viewable) << "shown again when the guest sets the scanout";
}

TEST_F(Windows, CloseIgnoredKeepsShowing) {
  start("close = \"ignore\"\n");
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  const WindowInfo w = wait_window(0);
  ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 1); }), "");
  x_->request_close(w.id);
  // A frame after the close request: once it is on screen, the request was handled before it.
  ASSERT_TRUE(wait_released(1));
  img.paint(2);
  present(0, img.frame(), {0, 0, 30, 20});
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 2); }), "");
  EXPECT_TRUE(x_->find(title(0))->viewable);
}

// close = "exit": closing the window stops vugpu cleanly (HostServices::request_stop with exit
// status 0; the daemon's loop stops as on SIGTERM). A child process plays the daemon.
TEST_F(Windows, CloseExitStopsVugpuWithStatusZero) {
  const int code = run_until_stop_request(0, {}, [&](const WindowInfo& w) { x_->request_close(w.id); });
  EXPECT_EQ(code, 0) << "(3: no stop request; 6: not exit status 0)";
}

// The device loop never waits for the window: with the X server frozen (SIGSTOP), the toolkit
// thread stalls, yet 500 presents return and every frame but the newest is released at once (coalesced);
// when X runs again the last frame is shown.
TEST_F(Windows, FrozenDisplayNeverBlocksTheDeviceLoop) {
  start();
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  const WindowInfo w = wait_window(0);
  ASSERT_TRUE(wait_released(1));
  ASSERT_EQ(::kill(xvfb_->pid(), SIGSTOP), 0);
  GuestImage last(30, 20, DRM_FORMAT_XRGB8888);
  last.paint(9);
  constexpr uint64_t kFrames = 500;
  for (uint64_t i = 0; i < kFrames; ++i) present(0, (i + 1 == kFrames ? last : img).frame(), {0, 0, 30, 20});
  // At most one frame sits in the mailbox and one in an upload (a copy) the toolkit thread may be stuck in.
  EXPECT_GE(released(), 1 + kFrames - 2);
  ASSERT_EQ(::kill(xvfb_->pid(), SIGCONT), 0);
  EXPECT_TRUE(wait_released(1 + kFrames));
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 9); }), "");
}

TEST_F(Windows, DmabufOnlyFrameIsReleasedAndNotShown) {
  start();
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  const WindowInfo w = wait_window(0);
  ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 1); }), "");
  Frame f = img.frame();
  f.pixels = nullptr;
  f.dmabuf_fd = 0;  // any fd: the presenter must not read it without EGL import
  present(0, f, {0, 0, 30, 20});
  EXPECT_TRUE(wait_released(2));
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 1); }), "");
}

TEST_F(Windows, F12WritesAScreenshotOfThePicture) {
  char dir[] = "/tmp/vugpu-shot-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  start(std::string("screenshot_path = \"") + dir + "/shot-%s-%n.png\"\n");
  GuestImage img(20, 10, DRM_FORMAT_BGRX8888);
  show_painted(0, img, 4);
  const WindowInfo w = wait_window(0);
  ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 20, 10}, 1, 4); }), "");
  // As a user's key press (XTEST) into the focused window; no window manager gives focus here.
  ASSERT_EQ(std::system(("DISPLAY=" + xvfb_->display() + " xdotool windowfocus --sync " + std::to_string(w.id) + " key F12").c_str()), 0);
  EXPECT_EQ(png_shows_pattern(std::string(dir) + "/shot-0-1.png", 20, 10, 4), "");
  std::filesystem::remove_all(dir);
}

// A frame with only a dma-buf (a render node's virgl scanout) is imported through EGL, read
// back, shown, and released (plugins/egl-common's DmabufReader). Runs where the presenter's own
// start-up check found EGL dma-buf import and /dev/udmabuf can make the dma-buf; skips, naming
// the capability, elsewhere (Mesa's llvmpipe here has no EGL_EXT_image_dma_buf_import).
TEST_F(Windows, DmabufFrameIsImportedShownAndReleased) {
  start();
  // Logged by the toolkit thread before the presenter's constructor returned.
  ASSERT_EQ(log_.count_containing("dma-buf frames: imported through EGL") +
                log_.count_containing("dma-buf frames will not be shown"),
            1u);
  for (const std::string& line : log_.lines())
    if (line.find("dma-buf frames will not be shown") != std::string::npos)
      GTEST_SKIP() << "SKIPPED: no EGL dma-buf import (" << plugin_ << ": " << line << ")";
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  img.paint(3);
  std::string why;
  std::optional<test::UdmabufImage> buffer = test::make_udmabuf(img, why);
  if (!buffer) GTEST_SKIP() << "SKIPPED: no /dev/udmabuf (" << why << ")";
  presenter_->set_scanout(0, {30, 20, true});
  present(0, buffer->frame, {0, 0, 30, 20});
  const WindowInfo w = wait_window(0);
  EXPECT_TRUE(wait_released(1));
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 3); }), "");
  EXPECT_EQ(log_.count_containing("not shown"), 0u);
}

}  // namespace
}  // namespace vugpu
