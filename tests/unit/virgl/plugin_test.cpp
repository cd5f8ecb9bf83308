// Loading and starting renderer.virgl: descriptor, start-up on EGL surfaceless, the
// process-wide singleton, the render_node error path.
#include <cstring>
#include <stdexcept>
#include "virgl_fixture.hpp"

namespace vugpu::test {
namespace {

TEST(VirglPlugin, DescriptorDeclaresRendererAndRenderNodeOption) {
  LoadedPlugin plugin;
  const PluginDescriptor& d = plugin.descriptor();
  EXPECT_EQ(d.abi_version, kAbiVersion);
  EXPECT_EQ(d.struct_size, sizeof(PluginDescriptor));
  EXPECT_EQ(d.kind, PluginKind::Renderer);
  EXPECT_STREQ(d.name, "renderer.virgl");
  EXPECT_NE(d.create_renderer, nullptr);
  EXPECT_EQ(d.create_presenter, nullptr);
  ASSERT_EQ(d.option_count, 1u);
  EXPECT_STREQ(d.options[0].key, "render_node");
  EXPECT_EQ(d.options[0].type, OptionType::String);
  EXPECT_STREQ(d.options[0].default_value, "");
}

TEST_F(VirglTest, StartsOnSurfacelessAndOffersVirgl) {
  const RendererFeatures f = renderer_->features();
  EXPECT_TRUE(f.virgl);
  EXPECT_FALSE(f.context_init);
  uint32_t expected = 0;
  for (uint32_t id : {1u, 2u}) {
    uint32_t version = 0, size = 0;
    virgl_renderer_get_cap_set(id, &version, &size);
    if (size) ++expected;
  }
  EXPECT_GE(f.num_capsets, 1u);
  EXPECT_EQ(f.num_capsets, expected);
  // Fences come through virglrenderer's poll fd, which the plugin watches on the device loop.
  EXPECT_EQ(host_.live_watches, 1);
  EXPECT_TRUE(host_.log_.contains("surfaceless"));
  // virglrenderer's own start-up lines reach the host log instead of stderr.
  EXPECT_TRUE(host_.log_.contains("virglrenderer: "));
}

TEST_F(VirglTest, StopsWatchingOnDestruction) {
  renderer_.reset();
  EXPECT_EQ(host_.live_watches, 0);
}

TEST_F(VirglTest, SecondInstanceInTheProcessIsRefused) {
  EventLoop loop;
  TestHost other(loop);
  try {
    auto second = plugin_->descriptor().create_renderer(other, virgl_options());
    FAIL() << "a second virglrenderer instance was created";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::strstr(e.what(), "already in use"), nullptr) << e.what();
  }
  // The first one is untouched.
  Resource& r = make_2d(1, 16, 16);
  EXPECT_TRUE(r.renderer_state);
}

TEST_F(VirglTest, RestartsAfterDestruction) {
  renderer_.reset();
  renderer_ = plugin_->descriptor().create_renderer(host_, virgl_options());
  ASSERT_TRUE(renderer_);
  Resource& r = make_2d(1, 16, 16);
  EXPECT_TRUE(r.renderer_state);
}

TEST(VirglPluginStart, MissingRenderNodeIsOneClearLine) {
  if (auto problem = egl_surfaceless_problem(); !problem.empty()) GTEST_SKIP() << problem;
  LoadedPlugin plugin;
  EventLoop loop;
  TestHost host(loop);
  const std::string node = "/dev/dri/renderD-vugpu-test-missing";
  try {
    auto r = plugin.descriptor().create_renderer(host, virgl_options(node));
    FAIL() << "created a renderer on a render node that does not exist";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(node), std::string::npos) << what;
    EXPECT_NE(what.find("No such file"), std::string::npos) << what;
    EXPECT_NE(what.find("hint"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  EXPECT_EQ(host.live_watches, 0);
  // The failed start released the process-wide claim: the default start works now.
  auto r = plugin.descriptor().create_renderer(host, virgl_options());
  EXPECT_TRUE(r);
}

TEST(VirglPluginStart, RenderNodeThatIsNotADrmDeviceIsRefused) {
  if (auto problem = egl_surfaceless_problem(); !problem.empty()) GTEST_SKIP() << problem;
  LoadedPlugin plugin;
  EventLoop loop;
  TestHost host(loop);
  try {
    auto r = plugin.descriptor().create_renderer(host, virgl_options("/dev/null"));
    FAIL() << "created a renderer on /dev/null";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/null"), std::string::npos) << e.what();
  }
  auto r = plugin.descriptor().create_renderer(host, virgl_options());
  EXPECT_TRUE(r);
}

}  // namespace
}  // namespace vugpu::test
