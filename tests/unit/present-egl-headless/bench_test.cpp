// Benchmark (prints numbers, asserts nothing about time): the cost of showing a 1080p frame and
// a 64x64 damage, present.egl-headless's compositor (upload of the damage, compose, read-back
// of the picture as a snapshot does) next to present.headless's (copy of the damage, copy of
// the picture for the snapshot). Times the plugins' own pieces on this thread, without queues
// and PNG encoding. Record the machine with the numbers (FACTS.md: machines differ).
#include <gtest/gtest.h>
#include <GLES3/gl3.h>
#include <chrono>
#include <thread>
#include "egl_setup.hpp"
#include "guest_image.hpp"
#include "quad_program.hpp"
#include "scanout_image.hpp"
#include "scanout_target.hpp"

namespace vugpu::test {
namespace {

using Clock = std::chrono::steady_clock;

template <typename F> double ms_per_iteration(int iterations, F&& f) {
  f(0);  // warm-up: allocations, shader compilation, first-touch page faults
  const auto start = Clock::now();
  for (int i = 1; i <= iterations; ++i) f(i);
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / iterations;
}

TEST(EglHeadlessBench, ComposeAndReadbackPerFrame) {
  using namespace egl_headless;
  EglSetup egl("");
  QuadProgram quad;
  constexpr uint32_t W = 1920, H = 1080;
  GuestImage img(W, H, DRM_FORMAT_XRGB8888);
  img.paint(1);
  const Frame frame = img.frame();
  std::vector<uint8_t> picture(size_t(W) * H * 4);
  const Rect full{0, 0, W, H};
  const auto damage64 = [](int i) { return Rect{uint32_t(i * 64) % (W - 64), uint32_t(i * 32) % (H - 64), 64, 64}; };

  ScanoutTarget target;
  CursorState no_cursor;
  const auto gl_show = [&](Rect damage, bool read_back) {
    const Rect r = target.prepare(frame, damage, SourceKind::Cpu);
    target.upload(frame, frame.pixels, r);
    target.compose(quad, no_cursor, 0, 0);
    if (read_back) target.read_back(picture.data());
    else glFinish();  // the benchmark waits for the GPU; the plugin waits on a fence instead
  };
  const int n = 30;
  const double gl_full = ms_per_iteration(n, [&](int) { gl_show(full, false); });
  const double gl_full_rb = ms_per_iteration(n, [&](int) { gl_show(full, true); });
  const double gl_small = ms_per_iteration(n * 4, [&](int i) { gl_show(damage64(i), false); });
  const double gl_small_rb = ms_per_iteration(n, [&](int i) { gl_show(damage64(i), true); });

  // The pieces, once the textures exist.
  const double gl_upload = ms_per_iteration(n, [&](int) {
    target.upload(frame, frame.pixels, full);
    glFinish();
  });
  const double gl_compose = ms_per_iteration(n, [&](int) {
    target.add_damage(full);
    target.compose(quad, no_cursor, 0, 0);
    glFinish();
  });
  const double gl_read_back = ms_per_iteration(n, [&](int) { target.read_back(picture.data()); });
  headless::ScanoutImage image;
  const auto cpu_show = [&](Rect damage, bool snapshot) {
    image.update(frame, damage);
    if (snapshot) std::copy(image.pixels().begin(), image.pixels().end(), picture.begin());
  };
  const double cpu_full = ms_per_iteration(n, [&](int) { cpu_show(full, false); });
  const double cpu_full_rb = ms_per_iteration(n, [&](int) { cpu_show(full, true); });
  const double cpu_small = ms_per_iteration(n * 4, [&](int i) { cpu_show(damage64(i), false); });
  const double cpu_small_rb = ms_per_iteration(n, [&](int i) { cpu_show(damage64(i), true); });

  std::printf("machine: %u cores, GL renderer '%s'\n", std::thread::hardware_concurrency(), egl.renderer_name().c_str());
  std::printf("ms per frame, 1920x1080 XRGB8888     | egl-headless | headless\n");
  std::printf("full frame: upload + compose          | %12.2f | %8.2f (copy)\n", gl_full, cpu_full);
  std::printf("full frame: ... + read-back (snapshot)| %12.2f | %8.2f (copy + copy)\n", gl_full_rb, cpu_full_rb);
  std::printf("64x64 damage: upload + compose        | %12.2f | %8.3f (copy)\n", gl_small, cpu_small);
  std::printf("64x64 damage: ... + read-back         | %12.2f | %8.2f (copy + copy)\n", gl_small_rb, cpu_small_rb);
  std::printf("egl-headless alone, full frame: upload %.2f, compose %.2f, read-back %.2f\n", gl_upload, gl_compose,
              gl_read_back);
  SUCCEED();
}

}  // namespace
}  // namespace vugpu::test
