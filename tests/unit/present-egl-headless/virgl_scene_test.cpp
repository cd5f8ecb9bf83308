// A renderer.virgl scene shown through present.egl-headless: a SUBMIT_3D clear of a render
// target, the renderer's frame of it (a CPU read-back here: llvmpipe exports no dmabuf), and the
// snapshot showing the colour. Both plugins share the process's EGL surfaceless display.
#include "egl_headless_fixture.hpp"
#ifdef VUGPU_TEST_HAVE_VIRGL
#include "virgl_commands.hpp"
#endif

namespace vugpu::test {
namespace {

#ifdef VUGPU_TEST_HAVE_VIRGL
TEST_F(EglHeadlessTest, VirglClearIsShown) {
  ASSERT_TRUE(loader_->find("renderer.virgl"));
  LoopHostServices renderer_host{loop_, headless_log_, headless_links_};
  auto lib = loader_->load("renderer.virgl", PluginKind::Renderer);
  auto renderer = create_renderer(lib, renderer_host, resolve_plugin_options("renderer.virgl", lib->options(), nullptr));
  start("snapshot_path = \"%D/virgl-%n.png\"\ninterval_ms = 0\nsnapshot_on_exit = false\n");

  constexpr uint32_t kCtx = 3, W = 64, H = 48, kTexture2D = 2, kB8G8R8X8 = 2, kBind = (1u << 1) | (1u << 3);
  auto target = std::make_unique<Resource>();
  target->id = 20;
  target->is_3d = true;
  target->virtio_format = kB8G8R8X8;
  target->width = W;
  target->height = H;
  target->args3d = Resource3DArgs{kTexture2D, kB8G8R8X8, kBind, W, H, 1, 1, 0, 0, 0};
  ASSERT_EQ(renderer->create_3d(*target), Status::Ok);
  ASSERT_EQ(renderer->context_create(kCtx, 0, "egl-headless-test"), Status::Ok);
  ASSERT_EQ(renderer->context_attach(kCtx, *target), Status::Ok);
  VirglCommands setup;
  setup.create_sub_ctx(1).set_sub_ctx(1).create_surface(5, 20, kB8G8R8X8).set_framebuffer(5);
  ASSERT_EQ(renderer->submit_3d(kCtx, setup.bytes()), Status::Ok);

  egl_->set_scanout(0, {W, H, true});
  const std::pair<std::array<float, 3>, std::array<uint8_t, 3>> scenes[] = {{{1, 0, 0}, {255, 0, 0}},
                                                                           {{0, 1, 1}, {0, 255, 255}}};
  for (const auto& [clear, rgb] : scenes) {
    VirglCommands c;
    c.clear(clear[0], clear[1], clear[2], 1.0f);
    ASSERT_EQ(renderer->submit_3d(kCtx, c.bytes()), Status::Ok);
    Frame f;
    ASSERT_EQ(renderer->frame(*target, Rect{0, 0, W, H}, f), Status::Ok);
    f.view = {0, 0, W, H};
    present(0, f, {0, 0, W, H});
    wait_all_released();  // the renderer's read-back buffer is reused by the next frame()
  }
  egl_->shutdown();
  for (uint64_t n = 1; n <= 2; ++n) {
    const DecodedPng png = read_png(dir_ / ("virgl-" + std::to_string(n) + ".png"));
    ASSERT_EQ(png.width, W);
    const auto& want = scenes[n - 1].second;
    for (uint32_t y = 0; y < H; ++y)
      for (uint32_t x = 0; x < W; ++x)
        ASSERT_TRUE(png.at(x, y)[0] == want[0] && png.at(x, y)[1] == want[1] && png.at(x, y)[2] == want[2])
            << "frame " << n << " pixel " << x << "," << y;
  }
  renderer->context_destroy(kCtx);
  renderer->destroy(*target);
  target.reset();
}
#endif  // a build without renderer.virgl has no such test

}  // namespace
}  // namespace vugpu::test
