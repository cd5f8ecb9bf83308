// The windowed presenters' shared parts, no display needed: where the picture goes in a window
// (fit with aspect kept, integer zoom) and how the mailbox coalesces frames without losing one.
#include <gtest/gtest.h>

#include "fit_geometry.hpp"
#include "scanout_mailbox.hpp"

namespace vugpu::window {
namespace {

TEST(FitGeometry, FitKeepsTheAspectWithBars) {
  const Placement tall = place(40, 20, 160, 200, 0);  // 4x wide, 10x tall: scale 4, bars above/below
  EXPECT_EQ(tall.width, 160u);
  EXPECT_EQ(tall.height, 80u);
  EXPECT_EQ(tall.x, 0);
  EXPECT_EQ(tall.y, 60);
  EXPECT_TRUE(tall.integer_scale);
  const Placement wide = place(40, 20, 200, 60, 0);  // bars left/right
  EXPECT_EQ(wide.width, 120u);
  EXPECT_EQ(wide.height, 60u);
  EXPECT_EQ(wide.x, 40);
  EXPECT_EQ(wide.y, 0);
  EXPECT_TRUE(wide.integer_scale);
}

TEST(FitGeometry, NonIntegerFitIsNotIntegerScale) {
  const Placement p = place(1280, 800, 1000, 1000, 0);
  EXPECT_EQ(p.width, 1000u);
  EXPECT_EQ(p.height, 625u);
  EXPECT_FALSE(p.integer_scale);
  EXPECT_DOUBLE_EQ(p.scale, 1000.0 / 1280);
}

TEST(FitGeometry, ExactMultipleIsIntegerNotAlmost) {
  const Placement p = place(1920, 1080, 3840, 2160, 0);  // HiDPI drawable of a 1080p window
  EXPECT_TRUE(p.integer_scale);
  EXPECT_EQ(p.width, 3840u);
}

TEST(FitGeometry, ZoomIsCentredAndMayCrop) {
  const Placement p = place(100, 50, 150, 150, 2);
  EXPECT_EQ(p.width, 200u);
  EXPECT_EQ(p.height, 100u);
  EXPECT_EQ(p.x, -25);
  EXPECT_EQ(p.y, 25);
  EXPECT_TRUE(p.integer_scale);
}

TEST(FitGeometry, EmptyInputsGiveNothing) {
  EXPECT_EQ(place(0, 10, 100, 100, 0).width, 0u);
  EXPECT_EQ(place(10, 10, 0, 100, 0).width, 0u);
}

Frame frame_of(uint32_t w, uint32_t h) {
  Frame f;
  f.width = w;
  f.height = h;
  f.stride = w * 4;
  f.view = {0, 0, w, h};
  return f;
}

TEST(ScanoutMailbox, OneWakeUpPerBatchAndTheLastFrameKept) {
  int wakes = 0, released = 0;
  ScanoutMailbox box([&] { ++wakes; });
  for (int i = 0; i < 5; ++i)
    box.put_frame(0, frame_of(10, 10), {uint32_t(i), 0, 1, 1}, FrameRelease([&] { ++released; }));
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(released, 4) << "replaced frames are released at once";
  EXPECT_EQ(box.coalesced(), 4u);
  auto changes = box.take();
  ASSERT_TRUE(changes[0].frame);
  EXPECT_EQ(changes[0].frame->damage, (Rect{0, 0, 5, 1})) << "the damage of every replaced frame is kept";
  changes.clear();
  EXPECT_EQ(released, 5);
  box.put_frame(0, frame_of(10, 10), {0, 0, 1, 1}, FrameRelease{});
  EXPECT_EQ(wakes, 2) << "taken: the next frame wakes again";
}

TEST(ScanoutMailbox, ANewSizeMeansAFullUpload) {
  ScanoutMailbox box([] {});
  box.put_frame(0, frame_of(10, 10), {1, 1, 1, 1}, FrameRelease{});
  box.put_frame(0, frame_of(20, 8), {2, 2, 1, 1}, FrameRelease{});
  EXPECT_EQ(box.take()[0].frame->damage, (Rect{0, 0, 20, 8}));
}

TEST(ScanoutMailbox, CursorMoveKeepsThePictureAndItsChange) {
  ScanoutMailbox box([] {});
  std::vector<uint32_t> argb(64 * 64, 0xFF00FF00u);
  CursorImage image;
  image.hot_x = 3;
  image.argb = argb.data();
  box.put_cursor(1, 5, 6, &image);
  box.put_cursor_move(1, 7, 8);
  auto c = *box.take()[1].cursor;
  EXPECT_EQ(c.x, 7u);
  EXPECT_EQ(c.y, 8u);
  ASSERT_TRUE(c.picture);
  EXPECT_TRUE(c.picture_changed);
  EXPECT_EQ(c.picture->hot_x, 3u);
  EXPECT_EQ(c.picture->argb[100], 0xFF00FF00u);
  box.put_cursor_move(1, 9, 9);
  c = *box.take()[1].cursor;
  EXPECT_FALSE(c.picture_changed) << "a move alone does not re-upload the picture";
  EXPECT_TRUE(c.picture);
}

TEST(ScanoutMailbox, DropFramesReleasesThem) {
  int released = 0;
  ScanoutMailbox box([] {});
  box.put_frame(0, frame_of(4, 4), {0, 0, 4, 4}, FrameRelease([&] { ++released; }));
  box.put_frame(1, frame_of(4, 4), {0, 0, 4, 4}, FrameRelease([&] { ++released; }));
  box.drop_frames();
  EXPECT_EQ(released, 2);
  EXPECT_FALSE(box.take()[0].frame);
}

}  // namespace
}  // namespace vugpu::window
