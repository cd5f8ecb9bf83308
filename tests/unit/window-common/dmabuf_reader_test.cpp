// plugins/egl-common's DmabufReader, without a window: it opens exactly where the EGL surfaceless
// display can import dma-bufs (else one line naming what is missing), and reads a real dma-buf
// back pixel for pixel, both orientations, a view inside the buffer. The read-back tests need
// that import and /dev/udmabuf; they skip, naming the capability, where either is missing.
#include <gtest/gtest.h>

#include <drm_fourcc.h>
#include <cstring>
#include <memory>
#include <string>
#include "dmabuf_reader.hpp"
#include "egl_platform_display.hpp"
#include "../window-support/udmabuf_image.hpp"

namespace vugpu {
namespace {

using egl::DmabufReader;
using egl::EglError;

TEST(DmabufReader, OpensExactlyWhereTheSurfacelessDisplayImportsDmabufs) {
  const egl::EglPlatformDisplay display("", "hint: Mesa's EGL", "test");
  const bool has_import = display.has_extension("EGL_EXT_image_dma_buf_import");
  try {
    DmabufReader reader;
    EXPECT_TRUE(has_import) << "opened on a display without EGL_EXT_image_dma_buf_import";
    EXPECT_FALSE(reader.renderer().empty());
  } catch (const EglError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot import dma-bufs"), std::string::npos) << what;
    // With the EGL extension, the only other thing it may lack is GL's half of the import.
    EXPECT_NE(what.find(has_import ? "GL_OES_EGL_image" : "EGL_EXT_image_dma_buf_import missing"), std::string::npos)
        << what;
  }
}

// The reader, or a skip naming why not.
std::unique_ptr<DmabufReader> reader_or_reason(std::string& why) {
  try {
    return std::make_unique<DmabufReader>();
  } catch (const EglError& e) {
    why = e.what();
    return nullptr;
  }
}

void expect_read_back(bool y0_top) {
  std::string why;
  const auto reader = reader_or_reason(why);
  if (!reader) GTEST_SKIP() << "SKIPPED: no EGL dma-buf import (" << why << ")";
  test::GuestImage img(40, 24, DRM_FORMAT_XRGB8888);
  img.paint(5);
  auto buffer = test::make_udmabuf(img, why);
  if (!buffer) GTEST_SKIP() << "SKIPPED: no /dev/udmabuf (" << why << ")";
  Frame f = buffer->frame;
  f.view = {3, 2, 30, 20};
  f.y0_top = y0_top;
  const std::optional<Frame> out = reader->read(f, why);
  ASSERT_TRUE(out) << why;
  EXPECT_EQ(out->fourcc, uint32_t(DRM_FORMAT_ABGR8888));
  EXPECT_EQ(out->view, (Rect{0, 0, 30, 20}));
  EXPECT_EQ(out->y0_top, y0_top);
  for (uint32_t y = 0; y < 20; ++y)
    for (uint32_t x = 0; x < 30; ++x) {
      // Scanout pixel (x, y): memory row view.y + y top-down, or counted from the bottom.
      const uint32_t rx = 3 + x, ry = y0_top ? 2 + y : 24 - 1 - (2 + y);
      const test::Rgb want = test::pattern_color(rx, ry, 5);
      const uint32_t row = y0_top ? y : 20 - 1 - y;
      const uint8_t* got = out->pixels + uint64_t{row} * out->stride + uint64_t{x} * 4;
      ASSERT_EQ((test::Rgb{got[0], got[1], got[2]}), want) << x << "," << y;
    }
}

TEST(DmabufReader, ReadsBackTheViewOfATopDownDmabuf) { expect_read_back(true); }
TEST(DmabufReader, ReadsBackTheViewOfABottomUpDmabuf) { expect_read_back(false); }

}  // namespace
}  // namespace vugpu
