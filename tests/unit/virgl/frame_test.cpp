// Scanout frames by CPU readback (the path on EGL surfaceless): the right way up, only the
// damaged rectangle copied, every byte defined.
#include <algorithm>
#include "virgl_fixture.hpp"

namespace vugpu::test {
namespace {

bool row_equals(const Frame& f, const std::vector<uint8_t>& image, uint32_t y, uint32_t x0, uint32_t x1) {
  const uint8_t* got = f.pixels + size_t(y) * f.stride + size_t(x0) * 4;
  const uint8_t* want = image.data() + (size_t(y) * f.width + x0) * 4;
  return std::equal(got, got + size_t(x1 - x0) * 4, want);
}

// The guest's 2D console path: it writes rows top-down into its backing and TRANSFER_TO_HOST_2Ds
// them; the presenter must get row 0 = the top row, whatever GL does inside.
TEST_F(VirglTest, Frame2DShowsGuestRowsTopDown) {
  constexpr uint32_t W = 48, H = 20;
  Resource& r = make_2d(1, W, H);
  GuestBacking b{pattern(W, H)};
  attach(r, b);
  ASSERT_EQ(renderer_->transfer_to_host_2d(r, Rect{0, 0, W, H}, 0), Status::Ok);

  Frame f;
  ASSERT_EQ(renderer_->frame(r, Rect{0, 0, W, H}, f), Status::Ok);
  EXPECT_EQ(f.resource_id, 1u);
  EXPECT_EQ(f.width, W);
  EXPECT_EQ(f.height, H);
  EXPECT_EQ(f.stride, W * 4);
  EXPECT_EQ(f.fourcc, DRM_FORMAT_XRGB8888);
  EXPECT_EQ(f.modifier, DRM_FORMAT_MOD_LINEAR);
  EXPECT_EQ(f.dmabuf_fd, -1);
  EXPECT_TRUE(f.y0_top);
  ASSERT_NE(f.pixels, nullptr);
  for (uint32_t y = 0; y < H; ++y) ASSERT_TRUE(row_equals(f, b.bytes, y, 0, W)) << "row " << y;
  EXPECT_EQ(host_.copied, uint64_t{W} * H * 4);
}

// Same for a 3D render target (no Y_0_TOP flag: GL's first texture row is the guest's row 0).
TEST_F(VirglTest, Frame3DShowsGuestRowsTopDown) {
  constexpr uint32_t W = 40, H = 24;
  Resource& r = make_3d(2, kTexture2D, kFormatB8G8R8A8, kBindRenderTarget | kBindSamplerView, W, H);
  GuestBacking b{pattern(W, H, 3)};
  attach(r, b);
  Transfer3D t;
  t.box = Box3D{0, 0, 0, W, H, 1};
  ASSERT_EQ(renderer_->transfer_to_host_3d(r, t), Status::Ok);
  Frame f;
  ASSERT_EQ(renderer_->frame(r, Rect{0, 0, W, H}, f), Status::Ok);
  EXPECT_EQ(f.fourcc, DRM_FORMAT_ARGB8888);
  EXPECT_TRUE(f.y0_top);
  for (uint32_t y = 0; y < H; ++y) ASSERT_TRUE(row_equals(f, b.bytes, y, 0, W)) << "row " << y;
}

TEST_F(VirglTest, FrameReadsBackOnlyTheDamage) {
  constexpr uint32_t W = 64, H = 32;
  Resource& r = make_2d(3, W, H);
  GuestBacking b{pattern(W, H)};
  attach(r, b);
  ASSERT_EQ(renderer_->transfer_to_host_2d(r, Rect{0, 0, W, H}, 0), Status::Ok);
  Frame f;
  ASSERT_EQ(renderer_->frame(r, Rect{0, 0, W, H}, f), Status::Ok);
  const auto before = b.bytes;

  // New content on the host, but only a 10x6 rectangle at (20, 9) is reported damaged.
  b.overwrite(pattern(W, H, 77));
  ASSERT_EQ(renderer_->transfer_to_host_2d(r, Rect{0, 0, W, H}, 0), Status::Ok);
  const uint64_t copied_before = host_.copied;
  const Rect damage{20, 9, 10, 6};
  ASSERT_EQ(renderer_->frame(r, damage, f), Status::Ok);
  EXPECT_EQ(host_.copied - copied_before, uint64_t{10} * 6 * 4);
  for (uint32_t y = 0; y < H; ++y) {
    const bool damaged_row = y >= 9 && y < 15;
    if (!damaged_row) {
      ASSERT_TRUE(row_equals(f, before, y, 0, W)) << "row " << y;
      continue;
    }
    ASSERT_TRUE(row_equals(f, before, y, 0, 20)) << "row " << y;
    ASSERT_TRUE(row_equals(f, b.bytes, y, 20, 30)) << "row " << y;
    ASSERT_TRUE(row_equals(f, before, y, 30, W)) << "row " << y;
  }
}

TEST_F(VirglTest, DamageOutsideTheResourceIsClipped) {
  constexpr uint32_t W = 16, H = 16;
  Resource& r = make_2d(4, W, H);
  GuestBacking b{pattern(W, H)};
  attach(r, b);
  ASSERT_EQ(renderer_->transfer_to_host_2d(r, Rect{0, 0, W, H}, 0), Status::Ok);
  Frame f;
  ASSERT_EQ(renderer_->frame(r, Rect{8, 8, 0xffffff00u, 0xffffff00u}, f), Status::Ok);
  EXPECT_EQ(host_.copied, uint64_t{8} * 8 * 4);
  ASSERT_EQ(renderer_->frame(r, Rect{100, 100, 5, 5}, f), Status::Ok);
  EXPECT_EQ(host_.copied, uint64_t{8} * 8 * 4);
}

// Before any readback the host buffer holds zeros, not stale heap bytes (CVE-2021-3545 family).
TEST_F(VirglTest, FrameBufferStartsDefined) {
  constexpr uint32_t W = 32, H = 32;
  Resource& r = make_2d(5, W, H);
  Frame f;
  ASSERT_EQ(renderer_->frame(r, Rect{}, f), Status::Ok);
  ASSERT_NE(f.pixels, nullptr);
  EXPECT_TRUE(std::all_of(f.pixels, f.pixels + size_t(W) * H * 4, [](uint8_t v) { return v == 0; }));
  EXPECT_EQ(host_.copied, 0u);
}

TEST_F(VirglTest, FrameOfABufferIsRefused) {
  Resource& r = new_resource(6);
  r.is_3d = true;
  r.args3d = Resource3DArgs{kBuffer, 64, kBindVertexBuffer, 256, 1, 1, 1, 0, 0, 0};
  ASSERT_EQ(renderer_->create_3d(r), Status::Ok);
  Frame f;
  EXPECT_EQ(renderer_->frame(r, Rect{0, 0, 1, 1}, f), Status::InvalidParameter);
}

}  // namespace
}  // namespace vugpu::test
