// dma-buf frames imported into EGL without a copy. Needs EGL_EXT_image_dma_buf_import and a
// render node to allocate a real dmabuf; llvmpipe here has neither, so this SKIPs here.
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <fcntl.h>
#include <gbm.h>
#include "egl_headless_fixture.hpp"

namespace vugpu::test {
namespace {

bool surfaceless_has_dmabuf_import() {
  EGLDisplay d = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  EGLint major = 0, minor = 0;
  if (d == EGL_NO_DISPLAY || !eglInitialize(d, &major, &minor)) return false;
  const char* ext = eglQueryString(d, EGL_EXTENSIONS);
  return ext && std::strstr(ext, "EGL_EXT_image_dma_buf_import");
}

TEST_F(EglHeadlessTest, DmabufFramesAreImportedWithoutACopy) {
  if (!surfaceless_has_dmabuf_import())
    GTEST_SKIP() << "SKIPPED: no EGL dma-buf import (EGL_EXT_image_dma_buf_import missing on the surfaceless display)";
  UniqueFd node(::open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC));
  if (!node) GTEST_SKIP() << "SKIPPED: no render node (/dev/dri/renderD128) to allocate a dmabuf";
  gbm_device* gbm = gbm_create_device(node.get());
  ASSERT_NE(gbm, nullptr);
  constexpr uint32_t W = 32, H = 16;
  gbm_bo* bo = gbm_bo_create(gbm, W, H, GBM_FORMAT_XRGB8888, GBM_BO_USE_LINEAR | GBM_BO_USE_RENDERING);
  ASSERT_NE(bo, nullptr);
  uint32_t stride = 0;
  void* map_data = nullptr;
  auto* pixels = static_cast<uint8_t*>(gbm_bo_map(bo, 0, 0, W, H, GBM_BO_TRANSFER_WRITE, &stride, &map_data));
  ASSERT_NE(pixels, nullptr);
  for (uint32_t y = 0; y < H; ++y)
    for (uint32_t x = 0; x < W; ++x) {
      const uint32_t v = pack(DRM_FORMAT_XRGB8888, color(x, y, 3), 0);
      std::memcpy(pixels + y * stride + x * 4, &v, 4);
    }
  gbm_bo_unmap(bo, map_data);
  UniqueFd fd(gbm_bo_get_fd(bo));

  start("snapshot_path = \"%D/i.png\"\ninterval_ms = -1\n");
  Frame f;
  f.resource_id = 1;
  f.width = W;
  f.height = H;
  f.stride = gbm_bo_get_stride(bo);
  f.fourcc = DRM_FORMAT_XRGB8888;
  f.modifier = DRM_FORMAT_MOD_LINEAR;
  f.dmabuf_fd = fd.get();
  f.view = {0, 0, W, H};
  present(0, f, {0, 0, W, H});
  wait_all_released();
  EXPECT_EQ(links_.bytes_copied.load(), 0u) << "imported, not copied";
  egl_->shutdown();
  EXPECT_EQ(log_.statistics().at("imported"), 1u);
  const DecodedPng png = read_png(dir_ / "i.png");
  for (uint32_t y = 0; y < H; ++y)
    for (uint32_t x = 0; x < W; ++x) ASSERT_EQ(png.at(x, y)[0], color(x, y, 3).r) << x << "," << y;
  gbm_bo_destroy(bo);
  gbm_device_destroy(gbm);
}

}  // namespace
}  // namespace vugpu::test
