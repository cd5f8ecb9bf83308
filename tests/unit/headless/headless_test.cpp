// present.headless, loaded through the real loader and driven with real frames: the PNGs it
// writes are decoded with libspng and compared pixel by pixel, for every 2D fourcc.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <fstream>
#include "config/config.hpp"
#include "config/plugin_options.hpp"
#include "host/loop_host_services.hpp"
#include "log/spdlog_log.hpp"
#include "plugin/loader.hpp"
#include "plugin/plugin_error.hpp"
#include "guest_image.hpp"
#include "png_reader.hpp"
#include "vugpu/format.hpp"

namespace vugpu {
namespace {

using test::color;
using test::fourcc_name;
using test::GuestImage;
using test::has_alpha;
using test::Rgba;

class Headless : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("VUGPU_PLUGIN_PATH");
    loader_ = std::make_unique<PluginLoader>(plugin_search_path(env ? env : VUGPU_BUILD_PLUGIN_DIR_DEFAULT, {}));
    if (!loader_->find("present.headless"))
      GTEST_SKIP() << "present.headless is not built (searched " << describe(loader_->folders()) << ")";
    char pattern[] = "/tmp/vugpu-headless-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    presenter_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Starts the plugin with `options` (TOML lines of its table); %D in them is the temp folder.
  void start(std::string options) {
    for (size_t p; (p = options.find("%D")) != std::string::npos;) options.replace(p, 2, dir_.string());
    const Config c = parse_config("[plugin.\"present.headless\"]\n" + options, "test.toml");
    auto lib = loader_->load("present.headless", PluginKind::Presenter);
    const OptionValues values = resolve_plugin_options("present.headless", lib->options(), &c.plugins.at("present.headless"));
    presenter_ = create_presenter(lib, host_, values);
  }
  void present(uint32_t scanout, const Frame& f, Rect damage) { presenter_->present(scanout, f, damage, FrameRelease{}); }

  // Every pixel of `png` equals the guest image inside `view`.
  void expect_png_shows(const std::filesystem::path& file, const GuestImage& img, Rect view, uint32_t seed) {
    const test::DecodedPng png = test::read_png(file);
    ASSERT_EQ(png.width, view.width);
    ASSERT_EQ(png.height, view.height);
    EXPECT_EQ(png.color_type, has_alpha(img.fourcc) ? 6 : 2);
    int mismatches = 0;
    for (uint32_t y = 0; y < view.height; ++y)
      for (uint32_t x = 0; x < view.width; ++x) {
        Rgba want = color(view.x + x, view.y + y, seed);
        if (!has_alpha(img.fourcc)) want.a = 255;
        const uint8_t* got = png.at(x, y);
        if (Rgba{got[0], got[1], got[2], got[3]} != want && ++mismatches <= 5)
          ADD_FAILURE() << file << " pixel " << x << "," << y << ": got " << int(got[0]) << "," << int(got[1]) << ","
                        << int(got[2]) << "," << int(got[3]) << " want " << int(want.r) << "," << int(want.g) << ","
                        << int(want.b) << "," << int(want.a);
      }
    EXPECT_EQ(mismatches, 0);
  }

  EventLoop loop_;
  SpdLog log_{LogLevel::Error};
  HostLinks links_;
  LoopHostServices host_{loop_, log_, links_};
  std::unique_ptr<PluginLoader> loader_;
  PluginInstance<Presenter> presenter_;
  std::filesystem::path dir_;
};

class HeadlessFormats : public Headless, public ::testing::WithParamInterface<uint32_t> {};

TEST_P(HeadlessFormats, SnapshotOnExitIsPixelExact) {
  const uint32_t fourcc = GetParam();
  start("snapshot_path = \"%D/shot-%s-%n.png\"\ninterval_ms = -1\n");
  GuestImage img(7, 5, fourcc);
  img.paint(1);
  presenter_->set_scanout(0, {7, 5, true});
  present(0, img.frame(), {0, 0, 7, 5});
  presenter_->shutdown();
  expect_png_shows(dir_ / "shot-0-1.png", img, {0, 0, 7, 5}, 1);
}

INSTANTIATE_TEST_SUITE_P(AllFourccs, HeadlessFormats,
                         ::testing::Values(DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888, DRM_FORMAT_BGRA8888,
                                           DRM_FORMAT_BGRX8888, DRM_FORMAT_ABGR8888, DRM_FORMAT_RGBX8888,
                                           DRM_FORMAT_RGBA8888, DRM_FORMAT_XBGR8888),
                         [](const auto& info) { return fourcc_name(info.param); });

TEST_F(Headless, OnlyTheDamagedRectangleIsCopied) {
  start("snapshot_path = \"%D/s.png\"\ninterval_ms = -1\n");
  GuestImage img(16, 10, DRM_FORMAT_XRGB8888);
  img.paint(1);
  presenter_->set_scanout(0, {16, 10, true});
  present(0, img.frame(), {0, 0, 16, 10});
  EXPECT_EQ(links_.bytes_copied.load(), 16u * 10 * 4);

  // The guest repaints everything, but says only (3,2) 5x4 changed: the snapshot must show
  // the new pixels there and the old ones elsewhere.
  img.paint(2);
  present(0, img.frame(), {3, 2, 5, 4});
  EXPECT_EQ(links_.bytes_copied.load(), 16u * 10 * 4 + 5 * 4 * 4);
  presenter_->shutdown();
  EXPECT_EQ(links_.bytes_copied.load(), 2 * 16u * 10 * 4 + 5 * 4 * 4);  // plus the snapshot's copy

  const test::DecodedPng png = test::read_png(dir_ / "s.png");
  for (uint32_t y = 0; y < 10; ++y)
    for (uint32_t x = 0; x < 16; ++x) {
      const bool damaged = x >= 3 && x < 8 && y >= 2 && y < 6;
      const Rgba want = color(x, y, damaged ? 2 : 1);
      ASSERT_EQ(png.at(x, y)[0], want.r) << x << "," << y;
      ASSERT_EQ(png.at(x, y)[1], want.g) << x << "," << y;
      ASSERT_EQ(png.at(x, y)[2], want.b) << x << "," << y;
    }
}

TEST_F(Headless, ScanoutShowsAViewOfALargerResource) {
  start("snapshot_path = \"%D/v.png\"\ninterval_ms = -1\n");
  GuestImage img(20, 12, DRM_FORMAT_ABGR8888);
  img.paint(3);
  const Rect view{4, 3, 9, 6};
  presenter_->set_scanout(0, {9, 6, true});
  present(0, img.frame(view), {0, 0, 9, 6});
  presenter_->shutdown();
  expect_png_shows(dir_ / "v.png", img, view, 3);
}

TEST_F(Headless, BottomUpFramesAreFlipped) {
  start("snapshot_path = \"%D/f.png\"\ninterval_ms = -1\n");
  GuestImage img(6, 4, DRM_FORMAT_XRGB8888);
  img.paint(4);
  Frame f = img.frame();
  f.y0_top = false;  // memory row 0 is the bottom of the picture
  present(0, f, {0, 0, 6, 4});
  presenter_->shutdown();
  const test::DecodedPng png = test::read_png(dir_ / "f.png");
  for (uint32_t y = 0; y < 4; ++y)
    for (uint32_t x = 0; x < 6; ++x) ASSERT_EQ(png.at(x, y)[0], color(x, 3 - y, 4).r) << x << "," << y;
}

TEST_F(Headless, EveryFrameWithIntervalZero) {
  start("snapshot_path = \"%D/frame-%n.png\"\ninterval_ms = 0\nsnapshot_on_exit = false\n");
  GuestImage img(8, 8, DRM_FORMAT_BGRX8888);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    img.paint(seed);
    present(0, img.frame(), {0, 0, 8, 8});
  }
  presenter_->shutdown();
  for (uint32_t n = 1; n <= 3; ++n) expect_png_shows(dir_ / ("frame-" + std::to_string(n) + ".png"), img, {0, 0, 8, 8}, n);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "frame-4.png"));
}

// Presenter::stats(): what the daemon writes under "plugins" -> "present.headless" in its
// --stats-file. Called after shutdown() too (the daemon's file at exit).
TEST_F(Headless, StatsCountFramesAndSnapshots) {
  start("snapshot_path = \"%D/s-%n.png\"\ninterval_ms = 0\nsnapshot_on_exit = false\n");
  const auto counter = [&](const std::string& name) {
    for (const StatCounter& c : presenter_->stats())
      if (c.name == name) return c.value;
    ADD_FAILURE() << "no counter " << name;
    return ~uint64_t{0};
  };
  EXPECT_EQ(counter("frames"), 0u);
  GuestImage img(8, 8, DRM_FORMAT_XRGB8888);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    img.paint(seed);
    present(0, img.frame(), {0, 0, 8, 8});
  }
  EXPECT_EQ(counter("frames"), 3u);
  presenter_->shutdown();  // every queued snapshot written
  EXPECT_EQ(counter("frames"), 3u);
  EXPECT_EQ(counter("snapshots_written"), 3u);
  EXPECT_EQ(counter("snapshots_failed"), 0u);
  EXPECT_EQ(counter("snapshots_skipped"), 0u);
}

TEST_F(Headless, ScanoutsGetTheirOwnFiles) {
  start("snapshot_path = \"%D/scanout%s.png\"\ninterval_ms = -1\n");
  GuestImage a(5, 5, DRM_FORMAT_XRGB8888), b(3, 2, DRM_FORMAT_RGBA8888);
  a.paint(10);
  b.paint(20);
  presenter_->set_scanout(0, {5, 5, true});
  presenter_->set_scanout(3, {3, 2, true});
  present(0, a.frame(), {0, 0, 5, 5});
  present(3, b.frame(), {0, 0, 3, 2});
  presenter_->set_scanout(3, {0, 0, false});  // disabled before exit: its last picture is still written
  presenter_->shutdown();
  expect_png_shows(dir_ / "scanout0.png", a, {0, 0, 5, 5}, 10);
  expect_png_shows(dir_ / "scanout3.png", b, {0, 0, 3, 2}, 20);
}

TEST_F(Headless, TriggerFifoSnapshotsNow) {
  start("snapshot_path = \"%D/t-%n.png\"\ninterval_ms = -1\nsnapshot_on_exit = false\ntrigger_fifo = \"%D/snap\"\n");
  ASSERT_TRUE(std::filesystem::is_fifo(dir_ / "snap"));
  GuestImage img(4, 4, DRM_FORMAT_XRGB8888);
  img.paint(5);
  present(0, img.frame(), {0, 0, 4, 4});
  present(0, img.frame(), {0, 0, 4, 4});
  {
    std::ofstream fifo(dir_ / "snap");
    fifo << "now\n";
  }
  ASSERT_TRUE(loop_.run_once(2000));
  presenter_->shutdown();  // waits for the writer thread
  expect_png_shows(dir_ / "t-2.png", img, {0, 0, 4, 4}, 5);
  presenter_.reset();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "snap")) << "the FIFO it created is removed";
}

// Counted, not timed: a snapshot copies the frame (HostServices::count_copy), and the timer is
// the only thing on this loop, so each run_once() that returns before its generous time-out
// handled one tick. Five ticks with nothing new must copy nothing.
TEST_F(Headless, PeriodicSnapshotsOnlyOfChangedScanouts) {
  start("snapshot_path = \"%D/p-%n.png\"\ninterval_ms = 20\nsnapshot_on_exit = false\n");
  GuestImage img(4, 4, DRM_FORMAT_XRGB8888);
  constexpr uint64_t kFrame = 4 * 4 * 4;
  const auto copied = [&] { return links_.bytes_copied.load(); };
  // Ticks until `bytes` were copied (the 30 s bound is only a safety net for a dead timer).
  const auto run_until_copied = [&](uint64_t bytes) {
    const auto safety = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (copied() < bytes && std::chrono::steady_clock::now() < safety) loop_.run_once(1000);
    return copied() == bytes;
  };
  const auto run_ticks = [&](int ticks) {
    for (int i = 0; i < ticks; ++i) loop_.run_once(2000);
  };
  img.paint(6);
  present(0, img.frame(), {0, 0, 4, 4});
  ASSERT_EQ(copied(), kFrame);
  ASSERT_TRUE(run_until_copied(2 * kFrame)) << "no snapshot of the changed scanout";
  run_ticks(5);
  EXPECT_EQ(copied(), 2 * kFrame) << "snapshots of a scanout that did not change";
  img.paint(7);
  present(0, img.frame(), {0, 0, 4, 4});
  ASSERT_TRUE(run_until_copied(4 * kFrame)) << "no snapshot after the second change";
  run_ticks(5);
  EXPECT_EQ(copied(), 4 * kFrame) << "snapshots of a scanout that did not change";
  presenter_->shutdown();
  expect_png_shows(dir_ / "p-1.png", img, {0, 0, 4, 4}, 6);
  expect_png_shows(dir_ / "p-2.png", img, {0, 0, 4, 4}, 7);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 2u);
}

TEST_F(Headless, LinearDmabufWithoutCpuPointerIsRead) {
  start("snapshot_path = \"%D/d.png\"\ninterval_ms = -1\n");
  GuestImage img(6, 3, DRM_FORMAT_ARGB8888);
  img.paint(8);
  const auto dmabuf = test::memfd_dmabuf(img, 64);
  present(0, dmabuf.frame, {0, 0, 6, 3});
  presenter_->shutdown();
  expect_png_shows(dir_ / "d.png", img, {0, 0, 6, 3}, 8);
}

TEST_F(Headless, NoPathNoFiles) {
  start("");
  GuestImage img(4, 4, DRM_FORMAT_XRGB8888);
  img.paint(1);
  present(0, img.frame(), {0, 0, 4, 4});
  presenter_->shutdown();
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

// A copy of the frame that no snapshot can ever read is pure waste (with blob resources it was
// the whole cost of a fenced 4K flush): counted through HostServices::count_copy, it must stay
// 0 when no PNG can ever be written, and be the damage when one can. The frame is released
// before present() returns either way.
TEST_F(Headless, CopiesOnlyWhenASnapshotCanBeWritten) {
  struct Case {
    std::string options;
    uint64_t bytes_copied;  // after a full frame, then a 5x4 damage
  };
  constexpr uint64_t kFull = 16 * 10 * 4, kDamage = 5 * 4 * 4;
  for (const auto& [options, want] : std::vector<Case>{
           {"", 0},
           {"snapshot_path = \"\"\nsnapshot_on_exit = false\n", 0},
           {"snapshot_path = \"%D/never.png\"\ninterval_ms = -1\nsnapshot_on_exit = false\n", 0},
           {"snapshot_path = \"%D/exit.png\"\ninterval_ms = -1\n", kFull + kDamage},
           {"snapshot_path = \"%D/fifo.png\"\ninterval_ms = -1\nsnapshot_on_exit = false\ntrigger_fifo = \"%D/snap\"\n",
            kFull + kDamage},
           {"snapshot_path = \"%D/tick.png\"\ninterval_ms = 60000\nsnapshot_on_exit = false\n", kFull + kDamage}}) {
    SCOPED_TRACE(options);
    links_.bytes_copied = 0;
    start(options);
    GuestImage img(16, 10, DRM_FORMAT_XRGB8888);
    img.paint(1);
    presenter_->set_scanout(0, {16, 10, true});
    for (const Rect damage : {Rect{0, 0, 16, 10}, Rect{3, 2, 5, 4}}) {
      bool released = false;
      presenter_->present(0, img.frame(), damage, FrameRelease([&] { released = true; }));
      EXPECT_TRUE(released) << "the frame is held after present() returned";
    }
    EXPECT_EQ(links_.bytes_copied.load(), want);
    presenter_.reset();
  }
}

TEST_F(Headless, BadOptionsFailAtStartWithTheReason) {
  for (const auto& [options, reason] :
       std::vector<std::pair<std::string, std::string>>{
           {"interval_ms = -5\nsnapshot_path = \"x.png\"\n", "interval_ms = -5: use -1 (never), 0 (every frame)"},
           {"snapshot_path = \"x-%d.png\"\n", "unknown sequence '%d'"},
           {"trigger_fifo = \"/tmp/x\"\n", "trigger_fifo is set but snapshot_path is empty"}}) {
    try {
      start(options);
      ADD_FAILURE() << "started with " << options;
    } catch (const PluginError& e) {
      EXPECT_NE(std::string(e.what()).find("present.headless failed to start: "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace vugpu
