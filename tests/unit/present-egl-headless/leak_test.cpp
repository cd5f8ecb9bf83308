// 10,000 frames on two scanouts (with cursor changes): every frame released once, every EGL
// fence destroyed, and the process does not grow once warm. (e2e: takes several seconds.)
#include <fstream>
#include "egl_headless_fixture.hpp"

namespace vugpu::test {
namespace {

uint64_t resident_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

TEST_F(EglHeadlessTest, TenThousandFramesLeakNothing) {
  start("snapshot_path = \"%D/leak-%s.png\"\ninterval_ms = -1\n");
  GuestImage a(96, 64, DRM_FORMAT_XRGB8888), b(40, 30, DRM_FORMAT_ARGB8888);
  a.paint(1);
  b.paint(2);
  std::vector<uint32_t> cursor(64 * 64, 0xFF00FF00);
  const CursorImage image{1, 1, cursor.data()};
  uint64_t warm_kib = 0;
  constexpr int kFrames = 10000;
  for (int i = 0; i < kFrames;) {
    // Mostly one frame per scanout at a time (uploaded, fenced, released); now and then a
    // burst in which frames overtake each other (dropped, released unread).
    const int burst = i % 200 == 0 ? 16 : 2;
    for (int k = 0; k < burst; ++k, ++i) {
      const uint32_t n = uint32_t(i);
      if (n % 2 == 0) present(0, a.frame(), {(n * 8) % 88, (n * 3) % 56, 8, 8});
      else present(1, b.frame(), {(n * 5) % 32, (n * 7) % 22, 8, 8});
    }
    if (i % 96 == 0) egl_->cursor_update(0, uint32_t(i % 90), 10, (i / 96) % 2 ? nullptr : &image);
    else egl_->cursor_move(0, uint32_t(i % 90), 10);
    wait_all_released();  // the guest's buffers come back before it flushes again
    if (i == 1000) warm_kib = resident_kib();
  }
  const uint64_t end_kib = resident_kib();
  egl_->shutdown();
  const auto stats = log_.statistics();
  EXPECT_EQ(stats.at("frames"), uint64_t(kFrames));
  EXPECT_EQ(releases_.count(), uint64_t(kFrames));
  EXPECT_EQ(stats.at("released") + stats.at("dropped"), uint64_t(kFrames));
  EXPECT_EQ(stats.at("created"), stats.at("destroyed")) << "every fence destroyed";
  EXPECT_EQ(stats.at("fence"), 0u);  // "0 fence timeouts"
  std::cout << "resident after 1000 frames " << warm_kib << " KiB, after " << kFrames << " " << end_kib << " KiB; "
            << stats.at("composed") << " composed, " << stats.at("dropped") << " dropped\n";
  EXPECT_LT(end_kib, warm_kib + 4096) << "grew by more than 4 MiB over 9,000 frames";
  EXPECT_TRUE(std::filesystem::exists(dir_ / "leak-0.png"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "leak-1.png"));
}

}  // namespace
}  // namespace vugpu::test
