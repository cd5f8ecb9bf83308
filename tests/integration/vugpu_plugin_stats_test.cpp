// A plugin's counters reach the daemon's --stats-file (Presenter::stats(), nested under the
// plugin's name in "plugins"): the real daemon, the real plugin loader and present.egl-headless
// (EGL surfaceless + llvmpipe here), driven by the test frontend as a guest would drive it. The
// counters must move with the frames the guest flushes; if the core stopped asking the plugin,
// or the plugin stopped counting, the numbers would stay put or be missing.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <signal.h>
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include "daemon_stats_file.hpp"
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
constexpr uint32_t kWidth = 320, kHeight = 240;

class VugpuPluginStats : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vugpu-plugin-stats-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
    s_.gpu.reset();  // the guest, the VMM, then the daemon (it writes its last stats file)
    s_.vmm.reset();
    s_.backend.reset();
    std::filesystem::remove_all(dir_);
  }

  // The daemon with present.vhost-user (the VMM's console; it has no counters) and
  // present.egl-headless, one 320x240 scanout.
  void start() {
    const auto config = dir_ / "vugpu.toml";
    std::ofstream(config) << "renderer = \"renderer.pixman\"\n"
                             "presenters = [\"present.vhost-user\", \"present.egl-headless\"]\n"
                             "[[display.scanout]]\nwidth = "
                          << kWidth << "\nheight = " << kHeight << "\n";
    auto lookup = find_vugpu({"--config=" + config.string(), stats_.arg()});
    if (!lookup.command) GTEST_SKIP() << lookup.missing_reason;
    s_.backend = std::make_unique<BackendProcess>(*lookup.command);
    VmmOptions o;
    o.display.outputs = {{kWidth, kHeight, true}};
    s_.connect(o);
  }

  boost::property_tree::ptree read_stats() { return stats_.read(*s_.backend); }
  // A counter of present.egl-headless ("plugins" -> "present.egl-headless" -> name).
  static uint64_t egl(const boost::property_tree::ptree& t, const std::string& name) {
    using Path = boost::property_tree::ptree::path_type;  // plugin names have dots
    return t.get<uint64_t>(Path("plugins/present.egl-headless/" + name, '/'));
  }

  std::filesystem::path dir_;
  DaemonStatsFile stats_{"vugpu-plugin-stats"};
  Session s_;
};

TEST_F(VugpuPluginStats, EglHeadlessCountersMoveWithTheFramesTheGuestFlushes) {
  start();
  if (IsSkipped()) return;
  Framebuffer fb(*s_.gpu, 1, kWidth, kHeight);
  fb.draw_pattern(1);
  ASSERT_EQ(fb.show_on(0), kOk);  // one whole frame; its flush completes once the frame was read

  auto t = read_stats();
  ASSERT_TRUE(t.get_child_optional("plugins")) << "no \"plugins\" in the stats file";
  ASSERT_EQ(t.get_child("plugins").size(), 1u) << "only present.egl-headless has counters here";
  EXPECT_EQ(egl(t, "frames"), 1u);
  EXPECT_GE(egl(t, "composed"), 1u) << "the GL thread composes before it releases the frame";
  EXPECT_EQ(egl(t, "dropped"), 0u);
  EXPECT_EQ(egl(t, "uploads"), 1u) << "a CPU frame (renderer.pixman)";
  EXPECT_EQ(egl(t, "bytes_uploaded"), uint64_t{kWidth} * kHeight * 4);
  EXPECT_EQ(egl(t, "imported"), 0u);
  EXPECT_EQ(egl(t, "snapshots_written"), 0u) << "no snapshot_path";
  // The core's own key is still there (one frame handed to each of the two presenters).
  EXPECT_EQ(t.get<uint64_t>("frames_presented"), 2u);

  // Five more frames, each flushed after the previous one completed: none can be dropped; then
  // one 10x20 damage: only it is uploaded.
  for (uint32_t f = 2; f <= 6; ++f) {
    fb.draw_pattern(f);
    ASSERT_EQ(fb.present(fb.whole()), kOk) << "frame " << f;
  }
  fb.fill_rect({30, 40, 10, 20}, 0x00ff00);
  ASSERT_EQ(fb.present({30, 40, 10, 20}), kOk);
  const uint64_t composed_before = egl(t, "composed");
  t = read_stats();
  EXPECT_EQ(egl(t, "frames"), 7u);
  EXPECT_GE(egl(t, "composed"), composed_before + 6) << "each completed flush was composed";
  EXPECT_EQ(egl(t, "dropped"), 0u);
  EXPECT_EQ(egl(t, "uploads"), 7u);
  EXPECT_EQ(egl(t, "bytes_uploaded"), 6 * uint64_t{kWidth} * kHeight * 4 + 10 * 20 * 4);
  EXPECT_EQ(t.get<uint64_t>("frames_presented"), 14u);
  EXPECT_TRUE(s_.clean());
}

// The file written at exit (after every presenter's shutdown()) still carries the counters.
TEST_F(VugpuPluginStats, CountersAreInTheFileWrittenAtExit) {
  start();
  if (IsSkipped()) return;
  Framebuffer fb(*s_.gpu, 1, kWidth, kHeight);
  fb.draw_pattern(3);
  ASSERT_EQ(fb.show_on(0), kOk);
  s_.backend->signal(SIGTERM);
  ASSERT_TRUE(s_.backend->wait_exit(Millis(20000))) << "the daemon did not stop on SIGTERM";
  const auto t = stats_.read_last();
  EXPECT_EQ(egl(t, "frames"), 1u);
  EXPECT_GE(egl(t, "composed"), 1u);
}

}  // namespace
}  // namespace vugpu::itest
