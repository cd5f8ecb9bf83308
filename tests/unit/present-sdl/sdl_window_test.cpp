// present.sdl in real windows: its own tests (max_fps, a window SDL cannot make). What every
// windowed presenter must do is in tests/unit/window-support/shared_window_tests.cpp, compiled
// into this binary too; both use the fixture there (a private Xvfb, the plugin through the real
// loader, the X screen read with xwd).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include "shared_window_tests.hpp"

namespace vugpu {

test::PresenterUnderTest test::presenter_under_test() { return {"present.sdl", "sdltest"}; }

namespace {

using test::GuestImage;
using test::Screenshot;
using test::WindowInfo;
using test::Windows;

// max_fps bounds the redraws, never the uploads: frames flushed one after another are each
// uploaded and released at once, drawn at most once per 1/max_fps s, and the last one is shown.
TEST_F(Windows, MaxFpsBoundsRedrawsAndKeepsTheLastFrame) {
  const auto begin = std::chrono::steady_clock::now();
  start("max_fps = 2\n");
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  const WindowInfo w = wait_window(0);
  ASSERT_TRUE(wait_released(1));
  constexpr uint64_t kFrames = 40;
  for (uint64_t i = 0; i < kFrames; ++i) {
    img.paint(i + 1 == kFrames ? 9 : uint32_t(2 + i % 3));
    present(0, img.frame(), {0, 0, 30, 20});
    ASSERT_TRUE(wait_released(2 + i)) << "frame " << i << " is released once uploaded, not once drawn";
  }
  EXPECT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 30, 20}, 1, 9); }), "");
  presenter_->shutdown();
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  // The shutdown line: "..., N uploads (B bytes), R redraws; ..."
  uint64_t uploads = 0, redraws = 0;
  for (const std::string& line : log_.lines())
    if (const auto at = line.find(" uploads ("); at != std::string::npos) {
      uploads = std::stoull(line.substr(line.rfind(' ', at - 1) + 1));
      redraws = std::stoull(line.substr(line.find("), ", at) + 3));
    }
  EXPECT_EQ(uploads, 1 + kFrames);
  EXPECT_GE(redraws, 1u);
  EXPECT_LE(double(redraws), elapsed_s * 2 + 1) << redraws << " redraws in " << elapsed_s << " s at max_fps = 2";
}

// A window that cannot be made (here: an SDL render driver that does not exist) costs that
// window only: an error line, every frame still released at once, the presenter goes on.
TEST_F(Windows, AWindowThatCannotBeMadeNeverTakesTheDeviceDown) {
  start("renderer = \"no-such-driver\"\n");
  GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  ASSERT_TRUE(wait_logged("SDL has no such render driver (the device goes on without this window)"));
  for (uint32_t i = 0; i < 3; ++i) present(0, img.frame(), {0, 0, 30, 20});
  EXPECT_TRUE(wait_released(4));
  presenter_->cursor_move(0, 1, 2);
  presenter_->set_scanout(0, {});
  presenter_->shutdown();
}

}  // namespace
}  // namespace vugpu
