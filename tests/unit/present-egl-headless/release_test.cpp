// Explicit sync: a frame is released only after the EGL fence behind its upload signalled (on
// the GL thread, never on the device loop); a frame overtaken in the queue by a newer one of
// the same scanout is released unread, and its damage is not lost.
#include <sys/mman.h>
#include "egl_headless_fixture.hpp"

namespace vugpu::test {
namespace {

TEST_F(EglHeadlessTest, EveryUploadedFrameIsReleasedAfterItsFenceSignalled) {
  start("");
  GuestImage a(40, 30, DRM_FORMAT_XRGB8888), b(16, 16, DRM_FORMAT_ABGR8888);
  a.paint(1);
  b.paint(2);
  for (int i = 0; i < 20; ++i) {
    present(0, a.frame(), {uint32_t(i), 0, 8, 8});
    present(1, b.frame(), {0, uint32_t(i % 8), 8, 8});
  }
  wait_all_released();
  egl_->shutdown();

  uint64_t fenced = 0, unfenced = 0;
  for (uint32_t scanout : {0u, 1u})
    for (uint64_t n = 1; n <= 20; ++n) {
      const std::string id = "scanout " + std::to_string(scanout) + ": frame " + std::to_string(n) + " ";
      const long fence = log_.find(id + "upload fence signalled");
      const long release = log_.find("released scanout " + std::to_string(scanout) + " frame " + std::to_string(n) + ".");
      ASSERT_GE(release, 0) << id << "never released";
      if (fence >= 0) {
        EXPECT_LT(fence, release) << id << "released before its fence signalled";
        ++fenced;
      } else {
        ++unfenced;
      }
    }
  const auto stats = log_.statistics();
  EXPECT_EQ(stats.at("frames"), 40u);
  EXPECT_EQ(fenced, stats.at("released"));
  EXPECT_EQ(unfenced, stats.at("dropped")) << "only a dropped frame goes back without a fence";
  EXPECT_EQ(stats.at("created"), stats.at("destroyed"));
  EXPECT_EQ(releases_.count(), 40u) << "each frame released exactly once";
}

TEST_F(EglHeadlessTest, DroppedFramesKeepTheirDamage) {
  start("snapshot_path = \"%D/cells.png\"\ninterval_ms = -1\n");
  GuestImage img(64, 64, DRM_FORMAT_XRGB8888);
  img.paint(100);
  present(0, img.frame(), {0, 0, 64, 64});
  wait_all_released();
  // The guest repaints 64 cells of 8x8, then flushes them one by one in a burst: some frames
  // are overtaken in the queue, yet every cell must end up on screen.
  for (uint32_t cell = 0; cell < 64; ++cell) img.paint(cell, {(cell % 8) * 8, (cell / 8) * 8, 8, 8});
  for (uint32_t cell = 0; cell < 64; ++cell) present(0, img.frame(), {(cell % 8) * 8, (cell / 8) * 8, 8, 8});
  wait_all_released();
  egl_->shutdown();
  const DecodedPng png = read_png(dir_ / "cells.png");
  for (uint32_t cell = 0; cell < 64; ++cell) {
    const uint32_t x = (cell % 8) * 8 + 3, y = (cell / 8) * 8 + 5;
    ASSERT_EQ(png.at(x, y)[0], color(x, y, cell).r) << "cell " << cell;
    ASSERT_EQ(png.at(x, y)[1], color(x, y, cell).g) << "cell " << cell;
  }
  const auto stats = log_.statistics();
  EXPECT_EQ(stats.at("frames"), 65u);
  EXPECT_EQ(stats.at("uploads") + stats.at("dropped"), 65u);
  std::cout << "65 frames: " << stats.at("uploads") << " uploaded, " << stats.at("dropped") << " dropped\n";
}

}  // namespace
}  // namespace vugpu::test

namespace vugpu::test {
namespace {

TEST_F(EglHeadlessTest, AfterResetNoFrameIsReadAnyMore) {
  // The core unmaps guest memory right after Presenter::reset(): by then every frame handed
  // over must be released (uploaded and fenced, or dropped unread).
  start("snapshot_path = \"%D/r.png\"\ninterval_ms = -1\n");
  const size_t bytes = 256 * 4 * 192;
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  std::memset(memory, 0x7f, bytes);
  Frame f;
  f.resource_id = 3;
  f.width = 256;
  f.height = 192;
  f.stride = 256 * 4;
  f.fourcc = DRM_FORMAT_XRGB8888;
  f.pixels = static_cast<const uint8_t*>(memory);
  f.view = {0, 0, 256, 192};
  present(0, f, {0, 0, 256, 192});
  wait_all_released();  // one picture is shown for sure
  for (uint32_t i = 1; i < 40; ++i) present(i % 2, f, {0, 0, 256, 192});
  egl_->reset();
  EXPECT_EQ(releases_.count(), 40u) << "a frame is still held after reset()";
  ASSERT_EQ(::munmap(memory, bytes), 0);  // what the core does next; a later read would crash
  egl_->shutdown();
  const auto stats = log_.statistics();
  EXPECT_EQ(stats.at("released") + stats.at("dropped"), 40u);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "r.png")) << "the last picture survives the reset";
}

}  // namespace
}  // namespace vugpu::test
