// The renderer.pixman plugin as the daemon loads it.
#include <gtest/gtest.h>
#include <drm_fourcc.h>
#include "host/host_links.hpp"
#include "host/loop_host_services.hpp"
#include "loop/event_loop.hpp"
#include "plugin/loader.hpp"
#include "support/capturing_log.hpp"
#include "support/harness.hpp"

namespace vugpu::test {
namespace {

struct PixmanPlugin : ::testing::Test {
  EventLoop loop;
  CapturingLog log;
  HostLinks links;
  LoopHostServices host{loop, log, links};
};

TEST_F(PixmanPlugin, DescriptorIsARendererWithoutOptions) {
  const PluginLoader loader = test_plugin_loader();
  const auto found = loader.find("renderer.pixman");
  ASSERT_TRUE(found) << "vugpu-renderer.pixman.so not found in " << describe(loader.folders());
  EXPECT_EQ(found->filename(), "vugpu-renderer.pixman.so");
  const auto lib = loader.load("renderer.pixman", PluginKind::Renderer);
  EXPECT_EQ(lib->name(), "renderer.pixman");
  EXPECT_EQ(lib->kind(), PluginKind::Renderer);
  EXPECT_TRUE(lib->options().empty());
  EXPECT_FALSE(lib->description().empty());
}

TEST_F(PixmanPlugin, Is2DOnly) {
  auto r = load_pixman(host);
  const RendererFeatures f = r->features();
  EXPECT_FALSE(f.virgl);
  EXPECT_FALSE(f.context_init);
  EXPECT_EQ(f.num_capsets, 0u);
  Resource res;
  res.id = 1;
  EXPECT_EQ(r->create_3d(res), Status::NotSupported);
  EXPECT_EQ(r->context_create(1, 0, "x"), Status::NotSupported);
  EXPECT_EQ(r->submit_3d(1, {}), Status::NotSupported);
  EXPECT_FALSE(r->create_fence(0, false, 0, 1));  // every command is complete when it returns
}

TEST_F(PixmanPlugin, CreateChargesStrideTimesHeightAndStartsBlack) {
  auto r = load_pixman(host);
  Resource res;
  res.id = 3;
  res.virtio_format = VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM;
  res.fourcc = DRM_FORMAT_BGRX8888;
  res.width = 37;
  res.height = 5;
  ASSERT_EQ(r->create_2d(res), Status::Ok);
  EXPECT_EQ(res.host_bytes, 37u * 4 * 5);
  Frame f;
  ASSERT_EQ(r->frame(res, Rect{0, 0, 37, 5}, f), Status::Ok);
  EXPECT_EQ(f.resource_id, 3u);
  EXPECT_EQ(f.width, 37u);
  EXPECT_EQ(f.height, 5u);
  EXPECT_EQ(f.stride, 37u * 4);
  EXPECT_EQ(f.fourcc, uint32_t{DRM_FORMAT_BGRX8888});
  EXPECT_EQ(f.modifier, uint64_t{DRM_FORMAT_MOD_LINEAR});
  EXPECT_EQ(f.dmabuf_fd, -1);
  EXPECT_TRUE(f.y0_top);
  ASSERT_NE(f.pixels, nullptr);
  for (size_t i = 0; i < size_t{f.stride} * f.height; ++i) ASSERT_EQ(f.pixels[i], 0) << i;
  r->destroy(res);
  EXPECT_EQ(res.renderer_state, nullptr);
}

TEST_F(PixmanPlugin, RefusesWhatItCannotHold) {
  auto r = load_pixman(host);
  Resource res;
  res.width = 4;
  res.height = 4;
  res.fourcc = DRM_FORMAT_RGB565;  // not a virtio-gpu 2D format
  EXPECT_EQ(r->create_2d(res), Status::InvalidParameter);
  res.fourcc = DRM_FORMAT_XRGB8888;
  res.width = 1u << 30;  // stride would not fit pixman's int
  EXPECT_EQ(r->create_2d(res), Status::InvalidParameter);
  Resource none;  // no state: frame and transfer refuse instead of crashing
  Frame f;
  EXPECT_EQ(r->frame(none, {}, f), Status::Unspec);
  EXPECT_EQ(r->transfer_to_host_2d(none, Rect{0, 0, 1, 1}, 0), Status::Unspec);
}

}  // namespace
}  // namespace vugpu::test
