// The cursor composed over the scanout (premultiplied alpha, hot spot, move, hide) and the
// optional output size (scaled).
#include "egl_headless_fixture.hpp"

namespace vugpu::test {
namespace {

constexpr Rgba kBackground{10, 20, 30, 255};

// A solid XRGB8888 frame.
GuestImage solid(uint32_t w, uint32_t h, Rgba c) {
  GuestImage img(w, h, DRM_FORMAT_XRGB8888);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      const uint32_t v = pack(DRM_FORMAT_XRGB8888, c, 0);
      std::memcpy(&img.bytes[y * img.stride + x * 4], &v, 4);
    }
  return img;
}

// 64x64 premultiplied ARGB8888: opaque red in (0..3, 0..3), half-transparent blue in
// (10..13, 10..13), transparent elsewhere.
std::vector<uint32_t> cursor_pixels() {
  std::vector<uint32_t> argb(64 * 64, 0);
  for (uint32_t y = 0; y < 4; ++y)
    for (uint32_t x = 0; x < 4; ++x) {
      argb[y * 64 + x] = 0xFFFF0000;
      argb[(y + 10) * 64 + x + 10] = 0x80000080;  // alpha 128, blue 128 (premultiplied)
    }
  return argb;
}

::testing::AssertionResult near(const DecodedPng& png, uint32_t x, uint32_t y, Rgba want, int tolerance = 0) {
  const uint8_t* p = png.at(x, y);
  for (int i = 0; i < 3; ++i) {
    const int w = i == 0 ? want.r : i == 1 ? want.g : want.b;
    if (std::abs(int(p[i]) - w) > tolerance)
      return ::testing::AssertionFailure() << "pixel " << x << "," << y << " is " << int(p[0]) << "," << int(p[1])
                                           << "," << int(p[2]) << ", want " << int(want.r) << "," << int(want.g) << ","
                                           << int(want.b);
  }
  return ::testing::AssertionSuccess();
}

TEST_F(EglHeadlessTest, CursorIsComposedAtItsHotSpotWithPremultipliedAlpha) {
  start("snapshot_path = \"%D/c.png\"\ninterval_ms = -1\n");
  const GuestImage img = solid(100, 80, kBackground);
  egl_->set_scanout(0, {100, 80, true});
  present(0, img.frame(), {0, 0, 100, 80});
  const auto argb = cursor_pixels();
  const CursorImage image{2, 2, argb.data()};
  egl_->cursor_update(0, 50, 40, &image);  // the hot spot (2,2) at (50,40): image from (48,38)
  egl_->shutdown();
  const DecodedPng png = read_png(dir_ / "c.png");
  ASSERT_EQ(png.width, 100u);
  EXPECT_TRUE(near(png, 48, 38, {255, 0, 0, 255}));
  EXPECT_TRUE(near(png, 51, 41, {255, 0, 0, 255}));
  EXPECT_TRUE(near(png, 47, 38, kBackground));
  EXPECT_TRUE(near(png, 48, 37, kBackground));
  EXPECT_TRUE(near(png, 52, 42, kBackground)) << "transparent cursor pixels leave the picture alone";
  // 128/255 of blue over the background: c + (1 - a) * background.
  EXPECT_TRUE(near(png, 58, 48, {5, 10, 143, 255}, 1));
  EXPECT_TRUE(near(png, 90, 70, kBackground));
}

TEST_F(EglHeadlessTest, CursorMovesAndHidesAndWhatItCoveredComesBack) {
  // Only damaged parts are composed again: where the cursor was must be redrawn from the picture.
  start("snapshot_path = \"%D/m-%n.png\"\ninterval_ms = 0\nsnapshot_on_exit = false\n");
  const GuestImage img = solid(100, 80, kBackground);
  const auto argb = cursor_pixels();
  const CursorImage image{0, 0, argb.data()};
  present(0, img.frame(), {0, 0, 100, 80});  // m-1: no cursor
  wait_all_released();
  egl_->cursor_update(0, 50, 40, &image);
  present(0, img.frame(), {99, 79, 1, 1});  // m-2: cursor at (50,40)
  wait_all_released();
  egl_->cursor_move(0, 8, 9);
  present(0, img.frame(), {99, 79, 1, 1});  // m-3: cursor at (8,9)
  wait_all_released();
  egl_->cursor_update(0, 8, 9, nullptr);
  present(0, img.frame(), {99, 79, 1, 1});  // m-4: hidden
  egl_->shutdown();
  EXPECT_TRUE(near(read_png(dir_ / "m-1.png"), 50, 40, kBackground));
  const DecodedPng shown = read_png(dir_ / "m-2.png");
  EXPECT_TRUE(near(shown, 50, 40, {255, 0, 0, 255}));
  EXPECT_TRUE(near(shown, 8, 9, kBackground));
  const DecodedPng moved = read_png(dir_ / "m-3.png");
  EXPECT_TRUE(near(moved, 8, 9, {255, 0, 0, 255}));
  EXPECT_TRUE(near(moved, 50, 40, kBackground)) << "the old place is composed again";
  EXPECT_TRUE(near(moved, 60, 50, kBackground));
  const DecodedPng hidden = read_png(dir_ / "m-4.png");
  EXPECT_TRUE(near(hidden, 8, 9, kBackground));
  EXPECT_TRUE(near(hidden, 18, 19, kBackground));
}

TEST_F(EglHeadlessTest, OutputSizeScalesTheScanoutAndItsCursor) {
  start("snapshot_path = \"%D/big.png\"\ninterval_ms = -1\noutput_width = 200\noutput_height = 120\n");
  GuestImage img = solid(100, 60, {255, 0, 0, 255});
  const uint32_t blue = pack(DRM_FORMAT_XRGB8888, {0, 0, 255, 255}, 0);
  for (uint32_t y = 0; y < 60; ++y)
    for (uint32_t x = 50; x < 100; ++x) std::memcpy(&img.bytes[y * img.stride + x * 4], &blue, 4);
  present(0, img.frame(), {0, 0, 100, 60});
  const auto argb = cursor_pixels();
  const CursorImage image{0, 0, argb.data()};
  egl_->cursor_update(0, 60, 10, &image);  // red 4x4 at (60,10) over blue -> 8x8 at (120,20) in the output
  egl_->shutdown();
  const DecodedPng png = read_png(dir_ / "big.png");
  ASSERT_EQ(png.width, 200u);
  ASSERT_EQ(png.height, 120u);
  EXPECT_TRUE(near(png, 2, 2, {255, 0, 0, 255}));
  EXPECT_TRUE(near(png, 197, 117, {0, 0, 255, 255}));
  EXPECT_TRUE(near(png, 150, 60, {0, 0, 255, 255}));
  // At the seam the linear filter mixes both colours.
  EXPECT_GT(png.at(99, 60)[0], 0);
  EXPECT_GT(png.at(99, 60)[2], 0);
  // The cursor's red square, scaled: red inside it, blue just outside.
  EXPECT_TRUE(near(png, 123, 23, {255, 0, 0, 255}));
  EXPECT_TRUE(near(png, 131, 23, {0, 0, 255, 255}));
}

}  // namespace
}  // namespace vugpu::test

namespace vugpu::test {
namespace {

TEST_F(EglHeadlessTest, ScaledDamageComposesTheSameAsAWholeFrame) {
  // Composing only the damaged part (widened by the filter's reach) must give exactly the
  // picture a full compose of the same content gives.
  const std::string options = "interval_ms = -1\noutput_width = 250\noutput_height = 97\n";
  start("snapshot_path = \"%D/partial.png\"\n" + options);
  auto whole = start_plugin("present.egl-headless", "snapshot_path = \"%D/whole.png\"\n" + options, headless_host_);
  GuestImage img(77, 31, DRM_FORMAT_XRGB8888);
  img.paint(1);
  present(0, img.frame(), {0, 0, 77, 31});
  wait_all_released();
  for (uint32_t i = 0; i < 6; ++i) {
    const Rect r{i * 11 + 3, (i * 7) % 25, 1 + i, 3};
    img.paint(10 + i, r);
    present(0, img.frame(), r);
    wait_all_released();
  }
  whole->present(0, img.frame(), {0, 0, 77, 31}, {});
  egl_->shutdown();
  whole->shutdown();
  EXPECT_TRUE(same_picture(dir_ / "partial.png", dir_ / "whole.png"));
}

}  // namespace
}  // namespace vugpu::test
