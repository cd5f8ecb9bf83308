// The 2D command set through renderer.virgl (virglrenderer on EGL surfaceless + llvmpipe): what
// a guest without 3D userspace does on a --virgl device. The VMM must see the guest's pixels
// exactly, as with renderer.pixman. Skipped when the virgl plugin is not built.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <unistd.h>
#include <iostream>
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;

class VugpuVirgl2d : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string plugin = plugin_dir() + "/vugpu-renderer.virgl.so";
    if (::access(plugin.c_str(), R_OK) != 0) GTEST_SKIP() << "renderer.virgl is not built: " << plugin;
    auto lookup = vugpu_lookup_with_config({{1280, 800, true}}, "", {"--virgl"});
    if (!lookup.command) GTEST_SKIP() << lookup.missing_reason;
    s_.backend = std::make_unique<BackendProcess>(*lookup.command);
    VmmOptions o;
    o.display.outputs = {{640, 480, true}};
    s_.connect(o);
  }
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
    if (s_.vmm) {
      EXPECT_TRUE(s_.clean());
    }
  }
  Session s_;
};

TEST_F(VugpuVirgl2d, OffersVirglAndShowsA2dSceneExactly) {
  EXPECT_TRUE(s_.vmm->offered_features() & vu::bit(vu::kFeatureVirgl));
  EXPECT_GE(s_.vmm->config().num_capsets, 1u);
  GuestDriver& gpu = *s_.gpu;
  Framebuffer fb(gpu, 1, 640, 480, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, Placement::Scattered);
  fb.draw_pattern(21);
  ASSERT_EQ(fb.show_on(0), kOk);
  EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");
  fb.fill_rect({30, 40, 100, 50}, 0x445566);
  ASSERT_EQ(fb.present({30, 40, 100, 50}), kOk);
  EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");
  EXPECT_EQ(fb.detach(), kOk);
  EXPECT_EQ(fb.unref(), kOk);
  EXPECT_EQ(s_.vmm->display().surface(0), nullptr) << "the scanout still shows a destroyed resource";
}

TEST_F(VugpuVirgl2d, CursorFromAVirglResource) {
  GuestDriver& gpu = *s_.gpu;
  Framebuffer cursor(gpu, 7, 64, 64, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
  cursor.draw_pattern(4);
  ASSERT_EQ(cursor.create(), kOk);
  ASSERT_EQ(cursor.attach(), kOk);
  ASSERT_EQ(cursor.transfer(cursor.whole()), kOk);
  gpu.update_cursor(0, 12, 34, 7, 1, 2);
  const CursorState& c = s_.vmm->display().cursor(0);
  ASSERT_TRUE(c.defined);
  uint64_t wrong = 0;
  for (uint32_t i = 0; i < 64 * 64; ++i) wrong += (c.image[i] & 0xffffff) != cursor.pixel_xrgb(i % 64, i / 64);
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
}  // namespace vugpu::itest
