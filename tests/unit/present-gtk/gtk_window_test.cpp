// present.gtk in real windows: its own tests (tabs layout, HiDPI, the right-click menu). What
// every windowed presenter must do is in tests/unit/window-support/shared_window_tests.cpp,
// compiled into this binary too; both use the fixture there (a private Xvfb, the plugin through
// the real loader, the X screen read with xwd).
// GTK initialises once per process (display, GDK_SCALE): run through ctest, one process per test,
// or one test per run (--gtest_filter).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include "shared_window_tests.hpp"

namespace vugpu {

test::PresenterUnderTest test::presenter_under_test() { return {"present.gtk", "gtktest"}; }

namespace {

using test::GuestImage;
using test::Rgb;
using test::Screenshot;
using test::WindowInfo;
using test::Windows;
using namespace std::chrono_literals;

using test::kDeadline;

TEST_F(Windows, TabsLayoutIsOneWindowWithATabPerScanout) {
  start("layout = \"tabs\"\n");
  GuestImage a(40, 30, DRM_FORMAT_XRGB8888), b(40, 30, DRM_FORMAT_XRGB8888);
  a.paint(10);
  b.paint(20);
  presenter_->set_scanout(0, {40, 30, true});
  present(0, a.frame(), {0, 0, 40, 30});
  ASSERT_TRUE(wait_released(1));
  presenter_->set_scanout(1, {40, 30, true});  // the newest scanout's tab comes to the front
  present(1, b.frame(), {0, 0, 40, 30});
  ASSERT_TRUE(wait_released(2));
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  std::optional<WindowInfo> w;
  while (!(w = x_->find("gtktest")) && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(w);
  EXPECT_FALSE(x_->find("scanout 0")) << "no window of its own per scanout";
  // The picture of scanout 1 sits somewhere inside the window (below the tab labels): find the
  // row where its top-left pixel is, then compare the whole picture there.
  EXPECT_EQ(wait_screen([&](const Screenshot& s) -> std::string {
              for (uint32_t y = 0; y + 30 <= w->height; ++y)
                for (uint32_t x = 0; x + 40 <= w->width; ++x)
                  if (s.at(w->x + x, w->y + y) == test::pattern_color(0, 0, 20) &&
                      shows(s, w->x + int(x), w->y + int(y), {0, 0, 40, 30}, 1, [](uint32_t, uint32_t) { return 20u; }).empty())
                    return "";
              return "scanout 1's picture is not in the window";
            }),
            "");
}

TEST_F(Windows, HiDpiDrawsInDevicePixels) {
  ::setenv("GDK_SCALE", "2", 1);  // read by GTK when it starts: this process's first start()
  start();
  GuestImage img(60, 40, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 3);
  // 30x20 logical pixels at scale 2: 60x40 device pixels, the picture exactly 1:1 in them.
  const WindowInfo w = wait_window(0, [](const WindowInfo& w) { return w.width == 60 && w.height == 40; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 60, 40}, 1, 3); }), "");
  ::unsetenv("GDK_SCALE");
}

// The right-click menu's first item writes the same screenshot as F12 (a user's click and
// keys through XTEST; the popped-up menu holds the keyboard).
TEST_F(Windows, MenuScreenshotWritesThePicture) {
  char dir[] = "/tmp/vugpu-gtk-menu-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  start(std::string("screenshot_path = \"") + dir + "/menu-%s-%n.png\"\n");
  GuestImage img(200, 120, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 6);
  const WindowInfo w = wait_window(0);
  ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 200, 120}, 1, 6); }), "");
  const std::string xdotool = "DISPLAY=" + xvfb_->display() + " xdotool ";
  ASSERT_EQ(std::system((xdotool + "mousemove --window " + std::to_string(w.id) + " 4 4 click 3").c_str()), 0);
  // The menu is up once it covers the picture next to the pointer.
  ASSERT_EQ(wait_screen([&](const Screenshot& s) {
              return shows(s, w, {0, 0, 200, 120}, 1, 6).empty() ? std::string("no menu over the picture yet") : "";
            }),
            "");
  ASSERT_EQ(std::system((xdotool + "key Down Return").c_str()), 0);
  EXPECT_EQ(png_shows_pattern(std::string(dir) + "/menu-0-1.png", 200, 120, 6), "");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vugpu
