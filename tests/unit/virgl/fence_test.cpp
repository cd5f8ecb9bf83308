// Fences complete through virglrenderer's poll fd on the device loop: no sleep, no timer.
#include <cstdlib>
#include "virgl_commands.hpp"
#include "virgl_fixture.hpp"

namespace vugpu::test {
namespace {

TEST_F(VirglTest, FenceSignalsThroughThePollFd) {
  const uint64_t id = (uint64_t{1} << 40) + 7;  // a 64-bit guest id survives whole
  ASSERT_TRUE(renderer_->create_fence(0, false, 0, id));
  EXPECT_TRUE(host_.fences.empty());  // not inline: only when the loop sees the fd
  ASSERT_TRUE(run_until([&] { return !host_.fences.empty(); })) << "fence never signalled";
  ASSERT_EQ(host_.fences.size(), 1u);
  EXPECT_EQ(host_.fences[0].ctx_id, 0u);
  EXPECT_EQ(host_.fences[0].ring_idx, 0u);
  EXPECT_EQ(host_.fences[0].fence_id, id);
}

TEST_F(VirglTest, FencesRetireInOrderUpToTheNewest) {
  for (uint64_t id : {10, 11, 12}) ASSERT_TRUE(renderer_->create_fence(0, false, 0, id));
  ASSERT_TRUE(run_until([&] { return !host_.fences.empty() && host_.fences.back().fence_id == 12; }));
  for (size_t i = 1; i < host_.fences.size(); ++i) EXPECT_LT(host_.fences[i - 1].fence_id, host_.fences[i].fence_id);
  // Nothing else stays pending: the loop goes quiet.
  const size_t n = host_.fences.size();
  loop_.run_once(50);
  EXPECT_EQ(host_.fences.size(), n);
}

// After a device reset the new driver starts its fence ids again; a fence from before the reset
// that retires later must not be signalled, or it would complete the new driver's commands.
TEST_F(VirglTest, FencesFromBeforeAResetAreNeverSignalled) {
  ASSERT_TRUE(renderer_->create_fence(0, false, 0, 1000));
  renderer_->reset();
  ASSERT_TRUE(renderer_->create_fence(0, false, 0, 1));
  ASSERT_TRUE(run_until([&] { return !host_.fences.empty() && host_.fences.back().fence_id == 1; }));
  loop_.run_once(50);
  for (const auto& f : host_.fences) EXPECT_NE(f.fence_id, 1000u) << "a fence from before the reset was signalled";
}

TEST_F(VirglTest, FenceAfterRenderingCompletesAfterIt) {
  constexpr uint32_t W = 32, H = 32;
  Resource& r = make_3d(1, kTexture2D, kFormatB8G8R8X8, kBindRenderTarget | kBindSamplerView, W, H);
  ASSERT_EQ(renderer_->context_create(1, 0, "fence-test"), Status::Ok);
  ASSERT_EQ(renderer_->context_attach(1, r), Status::Ok);
  VirglCommands c;
  c.create_sub_ctx(1).set_sub_ctx(1).create_surface(1, 1, kFormatB8G8R8X8).set_framebuffer(1).clear(0, 1, 0, 1);
  ASSERT_EQ(renderer_->submit_3d(1, c.bytes()), Status::Ok);
  ASSERT_TRUE(renderer_->create_fence(1, false, 0, 5));
  ASSERT_TRUE(run_until([&] { return !host_.fences.empty(); }));
  EXPECT_EQ(host_.fences.back().fence_id, 5u);
  renderer_->context_destroy(1);
}

// Without virglrenderer's fence thread there is no fd to wait on: the plugin finishes the
// fence before returning and says so (false = already complete).
TEST(VirglFenceFallback, WithoutFenceThreadFencesCompleteSynchronously) {
  if (auto problem = egl_surfaceless_problem(); !problem.empty()) GTEST_SKIP() << problem;
  LoadedPlugin plugin;
  EventLoop loop;
  TestHost host(loop);
  setenv("VIRGL_DISABLE_MT", "1", 1);
  auto renderer = plugin.descriptor().create_renderer(host, virgl_options());
  unsetenv("VIRGL_DISABLE_MT");
  ASSERT_TRUE(renderer);
  EXPECT_EQ(host.live_watches, 0);
  EXPECT_TRUE(host.log_.contains("retired synchronously"));
  EXPECT_FALSE(renderer->create_fence(0, false, 0, 1));
  EXPECT_FALSE(renderer->create_fence(0, false, 0, 2));
  loop.run_once(0);
  EXPECT_TRUE(host.fences.empty());
}

}  // namespace
}  // namespace vugpu::test
