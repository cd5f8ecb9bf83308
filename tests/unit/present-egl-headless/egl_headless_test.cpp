// present.egl-headless against present.headless: the same frames give the same PNGs, pixel for
// pixel (and byte for byte: both encode with plugins/png-snapshots), for every 2D format; CPU
// frames are uploaded by damaged rectangle only.
#include <fstream>
#include "egl_headless_fixture.hpp"

namespace vugpu::test {
namespace {

class EglHeadlessFormats : public EglHeadlessTest, public ::testing::WithParamInterface<uint32_t> {};

TEST_P(EglHeadlessFormats, SnapshotEqualsPresentHeadlessPixelForPixel) {
  const uint32_t fourcc = GetParam();
  start("snapshot_path = \"%D/egl-%s-%n.png\"\ninterval_ms = -1\n");
  start_headless("snapshot_path = \"%D/cpu-%s-%n.png\"\ninterval_ms = -1\n");
  // A view inside a larger resource with padded rows, then a damaged corner: both paths.
  GuestImage img(23, 17, fourcc);
  img.paint(1);
  const Rect view{3, 2, 19, 13};
  for (Presenter* p : {&*egl_, &*headless_}) p->set_scanout(0, {view.width, view.height, true});
  present(0, img.frame(view), {0, 0, view.width, view.height});
  headless_->present(0, img.frame(view), {0, 0, view.width, view.height}, {});
  wait_all_released();  // as a guest waits for its flush before drawing again
  img.paint(2, {10, 5, 6, 7});
  present(0, img.frame(view), {7, 3, 6, 7});
  headless_->present(0, img.frame(view), {7, 3, 6, 7}, {});
  egl_->shutdown();
  headless_->shutdown();

  const auto egl_png = dir_ / "egl-0-2.png", cpu_png = dir_ / "cpu-0-2.png";
  ASSERT_TRUE(std::filesystem::exists(egl_png));
  EXPECT_TRUE(same_picture(egl_png, cpu_png));
  EXPECT_EQ(file_bytes(egl_png), file_bytes(cpu_png)) << "same encoder, same rows: the same file";
  // And both are what the guest drew (not merely equally wrong).
  const DecodedPng png = read_png(egl_png);
  EXPECT_EQ(png.color_type, has_alpha(fourcc) ? 6 : 2);
  for (uint32_t y = 0; y < view.height; ++y)
    for (uint32_t x = 0; x < view.width; ++x) {
      const uint32_t rx = view.x + x, ry = view.y + y;
      const bool repainted = rx >= 10 && rx < 16 && ry >= 5 && ry < 12;
      Rgba want = color(rx, ry, repainted ? 2 : 1);
      if (!has_alpha(fourcc)) want.a = 255;
      ASSERT_EQ((Rgba{png.at(x, y)[0], png.at(x, y)[1], png.at(x, y)[2], png.at(x, y)[3]}), want) << x << "," << y;
    }
}

INSTANTIATE_TEST_SUITE_P(AllFourccs, EglHeadlessFormats, ::testing::ValuesIn(kAllFourccs),
                         [](const auto& info) { return fourcc_name(info.param); });

TEST_F(EglHeadlessTest, OnlyDamagedRowsAndColumnsAreUploaded) {
  start("snapshot_path = \"%D/s.png\"\ninterval_ms = -1\n");
  GuestImage img(64, 40, DRM_FORMAT_XRGB8888);
  img.paint(1);
  egl_->set_scanout(0, {64, 40, true});
  present(0, img.frame(), {0, 0, 64, 40});
  wait_all_released();
  EXPECT_EQ(links_.bytes_copied.load(), 64u * 40 * 4);

  // The guest repaints everything but says only (3,2) 5x4 changed: only those 4 rows of 5
  // pixels reach the GPU, and the picture shows new pixels there and old ones elsewhere.
  img.paint(2);
  present(0, img.frame(), {3, 2, 5, 4});
  wait_all_released();
  EXPECT_EQ(links_.bytes_copied.load(), 64u * 40 * 4 + 5 * 4 * 4);
  egl_->shutdown();
  const auto stats = log_.statistics();
  EXPECT_EQ(stats.at("uploads"), 2u);
  EXPECT_EQ(stats.at("bytes"), 64u * 40 * 4 + 5 * 4 * 4);

  const DecodedPng png = read_png(dir_ / "s.png");
  for (uint32_t y = 0; y < 40; ++y)
    for (uint32_t x = 0; x < 64; ++x) {
      const bool damaged = x >= 3 && x < 8 && y >= 2 && y < 6;
      const Rgba want = color(x, y, damaged ? 2 : 1);
      ASSERT_EQ(png.at(x, y)[0], want.r) << x << "," << y;
      ASSERT_EQ(png.at(x, y)[1], want.g) << x << "," << y;
      ASSERT_EQ(png.at(x, y)[2], want.b) << x << "," << y;
    }
}

TEST_F(EglHeadlessTest, BottomUpFramesAndTheirDamageAreFlipped) {
  start("snapshot_path = \"%D/egl.png\"\ninterval_ms = -1\n");
  start_headless("snapshot_path = \"%D/cpu.png\"\ninterval_ms = -1\n");
  GuestImage img(12, 9, DRM_FORMAT_ABGR8888);
  img.paint(4);
  Frame f = img.frame({1, 2, 10, 6});
  f.y0_top = false;  // memory row 0 is the bottom of the picture (a GL texture)
  present(0, f, {0, 0, 10, 6});
  headless_->present(0, f, {0, 0, 10, 6}, {});
  wait_all_released();  // as a guest waits for its flush before drawing again
  img.paint(5, {0, 0, 12, 4});
  present(0, f, {2, 3, 4, 2});
  headless_->present(0, f, {2, 3, 4, 2}, {});
  egl_->shutdown();
  headless_->shutdown();
  EXPECT_TRUE(same_picture(dir_ / "egl.png", dir_ / "cpu.png"));
  const DecodedPng png = read_png(dir_ / "egl.png");
  EXPECT_EQ(png.at(0, 0)[0], color(1, 9 - 1 - 2, 4).r);  // scanout row 0 = memory row 6
}

TEST_F(EglHeadlessTest, TwoScanoutsTwoFiles) {
  start("snapshot_path = \"%D/scanout%s.png\"\ninterval_ms = -1\n");
  GuestImage a(50, 30, DRM_FORMAT_XRGB8888), b(20, 12, DRM_FORMAT_RGBA8888);
  a.paint(10);
  b.paint(20);
  egl_->set_scanout(0, {50, 30, true});
  egl_->set_scanout(1, {20, 12, true});
  present(0, a.frame(), {0, 0, 50, 30});
  present(1, b.frame(), {0, 0, 20, 12});
  egl_->set_scanout(1, {0, 0, false});  // disabled before exit: its last picture is still written
  egl_->shutdown();
  for (const auto& [file, img, seed] : {std::tuple{"scanout0.png", &a, 10u}, std::tuple{"scanout1.png", &b, 20u}}) {
    const DecodedPng png = read_png(dir_ / file);
    ASSERT_EQ(png.width, img->width) << file;
    ASSERT_EQ(png.height, img->height) << file;
    for (uint32_t y = 0; y < img->height; ++y)
      for (uint32_t x = 0; x < img->width; ++x) ASSERT_EQ(png.at(x, y)[1], color(x, y, seed).g) << file << " " << x << "," << y;
  }
  EXPECT_EQ(log_.statistics().at("composed"), 2u);
}

TEST_F(EglHeadlessTest, EveryFrameWithIntervalZeroNamedByFrameNumber) {
  start("snapshot_path = \"%D/frame-%n.png\"\ninterval_ms = 0\nsnapshot_on_exit = false\n");
  GuestImage img(8, 8, DRM_FORMAT_BGRX8888);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    img.paint(seed);
    present(0, img.frame(), {0, 0, 8, 8});
    wait_all_released();  // one at a time: none is dropped
  }
  egl_->shutdown();
  for (uint32_t n = 1; n <= 3; ++n) {
    const DecodedPng png = read_png(dir_ / ("frame-" + std::to_string(n) + ".png"));
    EXPECT_EQ(png.at(5, 6)[0], color(5, 6, n).r) << n;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "frame-4.png"));
}

// interval_ms > 0: the device loop's timer asks for a snapshot of every scanout that changed
// since its last one. One frame at a time, each file waited for (the loop runs the timer; the
// deadline is only a safety net): every frame gets its snapshot, named by its number, with its
// pixels; the ticks in between, with nothing new, write nothing more.
TEST_F(EglHeadlessTest, PeriodicSnapshotsOfScanoutsThatChanged) {
  start("snapshot_path = \"%D/p-%s-%n.png\"\ninterval_ms = 20\nsnapshot_on_exit = false\n");
  const auto wait_for_file = [&](const std::filesystem::path& file) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(file) && std::chrono::steady_clock::now() < deadline)
      if (!loop_.run_once(20)) return false;  // timer ticks; the PNG appears whole (rename)
    return std::filesystem::exists(file);
  };
  GuestImage img(8, 8, DRM_FORMAT_XRGB8888);
  constexpr uint32_t kFrames = 4;
  for (uint32_t n = 1; n <= kFrames; ++n) {
    img.paint(n);
    present(0, img.frame(), {0, 0, 8, 8});
    wait_all_released();
    const auto file = dir_ / ("p-0-" + std::to_string(n) + ".png");
    ASSERT_TRUE(wait_for_file(file)) << "no periodic snapshot of frame " << n;
    const DecodedPng png = read_png(file);
    EXPECT_EQ(png.at(2, 7)[1], color(2, 7, n).g) << "frame " << n;
  }
  for (int tick = 0; tick < 5; ++tick) ASSERT_TRUE(loop_.run_once(20));  // unchanged: nothing to write
  egl_->shutdown();
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, kFrames);
  EXPECT_EQ(log_.statistics().at("written"), kFrames) << "an unchanged scanout was written again";
}

TEST_F(EglHeadlessTest, TriggerFifoSnapshotsNow) {
  start("snapshot_path = \"%D/t-%n.png\"\ninterval_ms = -1\nsnapshot_on_exit = false\ntrigger_fifo = \"%D/snap\"\n");
  ASSERT_TRUE(std::filesystem::is_fifo(dir_ / "snap"));
  GuestImage img(4, 4, DRM_FORMAT_XRGB8888);
  img.paint(5);
  present(0, img.frame(), {0, 0, 4, 4});
  present(0, img.frame(), {0, 0, 4, 4});
  wait_all_released();
  {
    std::ofstream fifo(dir_ / "snap");
    fifo << "now\n";
  }
  ASSERT_TRUE(loop_.run_once(2000));
  egl_->shutdown();  // the GL thread finishes the request, the writer writes it
  const DecodedPng png = read_png(dir_ / "t-2.png");
  EXPECT_EQ(png.at(3, 3)[2], color(3, 3, 5).b);
  egl_.reset();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "snap")) << "the FIFO it created is removed";
}

TEST_F(EglHeadlessTest, LinearDmabufWithoutCpuPointerIsShown) {
  // Import where EGL offers it, else read through a CPU mapping: either way the picture is right.
  start("snapshot_path = \"%D/d.png\"\ninterval_ms = -1\n");
  GuestImage img(6, 3, DRM_FORMAT_ARGB8888);
  img.paint(8);
  const MemfdDmabuf dmabuf = memfd_dmabuf(img, 64);
  present(0, dmabuf.frame, {0, 0, 6, 3});
  egl_->shutdown();
  const DecodedPng png = read_png(dir_ / "d.png");
  for (uint32_t y = 0; y < 3; ++y)
    for (uint32_t x = 0; x < 6; ++x) ASSERT_EQ(png.at(x, y)[3], color(x, y, 8).a) << x << "," << y;
}

TEST_F(EglHeadlessTest, NoPathNoFilesButFramesAreComposed) {
  start("");
  GuestImage img(4, 4, DRM_FORMAT_XRGB8888);
  img.paint(1);
  present(0, img.frame(), {0, 0, 4, 4});
  egl_->shutdown();
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  const auto stats = log_.statistics();
  EXPECT_EQ(stats.at("frames"), 1u);
  EXPECT_EQ(stats.at("composed"), 1u);
  EXPECT_EQ(stats.at("released"), 1u);
}

}  // namespace
}  // namespace vugpu::test
