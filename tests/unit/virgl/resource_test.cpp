// Resources and transfers through real virglrenderer: bytes in from guest backing, bytes out.
#include <algorithm>
#include "virgl_fixture.hpp"

namespace vugpu::test {
namespace {

Transfer3D whole(uint32_t w, uint32_t h) {
  Transfer3D t;
  t.box = Box3D{0, 0, 0, w, h, 1};
  return t;
}

TEST_F(VirglTest, Texture3DRoundTripsThroughTheHost) {
  constexpr uint32_t W = 64, H = 32;
  Resource& r = make_3d(7, kTexture2D, kFormatR8G8B8A8, kBindRenderTarget | kBindSamplerView, W, H);
  GuestBacking b{pattern(W, H)};
  attach(r, b);
  const auto sent = b.bytes;
  ASSERT_EQ(renderer_->transfer_to_host_3d(r, whole(W, H)), Status::Ok);

  std::fill(b.bytes.begin(), b.bytes.end(), 0);
  ASSERT_EQ(renderer_->transfer_from_host_3d(r, whole(W, H)), Status::Ok);
  EXPECT_EQ(b.bytes, sent);
}

TEST_F(VirglTest, SubBoxTransferTouchesOnlyTheBox) {
  constexpr uint32_t W = 64, H = 32;
  Resource& r = make_3d(8, kTexture2D, kFormatB8G8R8A8, kBindRenderTarget | kBindSamplerView, W, H);
  GuestBacking b{pattern(W, H, 1)};
  attach(r, b);
  ASSERT_EQ(renderer_->transfer_to_host_3d(r, whole(W, H)), Status::Ok);

  // Write a different pattern into a 16x8 box at (8, 4), from the guest rows at the full stride.
  const auto second = pattern(W, H, 99);
  b.overwrite(second);
  Transfer3D box;
  box.box = Box3D{8, 4, 0, 16, 8, 1};
  box.stride = W * 4;
  box.offset = (4 * W + 8) * 4;
  ASSERT_EQ(renderer_->transfer_to_host_3d(r, box), Status::Ok);

  std::fill(b.bytes.begin(), b.bytes.end(), 0);
  ASSERT_EQ(renderer_->transfer_from_host_3d(r, whole(W, H)), Status::Ok);
  const auto first = pattern(W, H, 1);
  for (uint32_t y = 0; y < H; ++y)
    for (uint32_t x = 0; x < W; ++x) {
      const bool in_box = x >= 8 && x < 24 && y >= 4 && y < 12;
      const size_t at = (size_t(y) * W + x) * 4;
      const auto& want = in_box ? second : first;
      ASSERT_TRUE(std::equal(want.begin() + at, want.begin() + at + 4, b.bytes.begin() + at))
          << "pixel " << x << "," << y;
    }
}

TEST_F(VirglTest, BufferRoundTrips) {
  Resource& r = new_resource(9);
  r.is_3d = true;
  r.args3d = Resource3DArgs{kBuffer, 64 /* R8_UNORM */, kBindVertexBuffer, 4096, 1, 1, 1, 0, 0, 0};
  ASSERT_EQ(renderer_->create_3d(r), Status::Ok);
  EXPECT_EQ(r.host_bytes, 4096u);
  GuestBacking b{std::vector<uint8_t>(4096)};
  for (size_t i = 0; i < b.bytes.size(); ++i) b.bytes[i] = uint8_t(i * 13);
  attach(r, b);
  const auto sent = b.bytes;
  Transfer3D t;
  t.box = Box3D{0, 0, 0, 4096, 1, 1};
  ASSERT_EQ(renderer_->transfer_to_host_3d(r, t), Status::Ok);
  std::fill(b.bytes.begin(), b.bytes.end(), 0);
  ASSERT_EQ(renderer_->transfer_from_host_3d(r, t), Status::Ok);
  EXPECT_EQ(b.bytes, sent);
}

TEST_F(VirglTest, HostBytesCoverTextureAndReadback) {
  Resource& r = make_3d(10, kTexture2D, kFormatB8G8R8X8, kBindRenderTarget, 100, 50);
  EXPECT_GE(r.host_bytes, uint64_t{100} * 50 * 4 * 2);
  Resource& two = make_2d(11, 100, 50);
  EXPECT_GE(two.host_bytes, uint64_t{100} * 50 * 4 * 2);
}

TEST_F(VirglTest, DetachedResourceCannotTransfer) {
  Resource& r = make_3d(12, kTexture2D, kFormatB8G8R8X8, kBindRenderTarget, 16, 16);
  GuestBacking b{pattern(16, 16)};
  attach(r, b);
  renderer_->detach_backing(r);
  r.backing.clear();
  EXPECT_EQ(renderer_->transfer_to_host_3d(r, whole(16, 16)), Status::Unspec);
  EXPECT_EQ(renderer_->transfer_from_host_3d(r, whole(16, 16)), Status::Unspec);
  EXPECT_EQ(renderer_->transfer_to_host_2d(r, Rect{0, 0, 16, 16}, 0), Status::Unspec);
  // Attach again: works again.
  attach(r, b);
  EXPECT_EQ(renderer_->transfer_to_host_3d(r, whole(16, 16)), Status::Ok);
}

// The guest's backing is read through the array the plugin keeps: the core may reuse its own
// vector the moment attach_backing returns.
TEST_F(VirglTest, BackingArrayIsThePluginsOwn) {
  constexpr uint32_t W = 32, H = 8;
  Resource& r = make_3d(13, kTexture2D, kFormatB8G8R8A8, kBindRenderTarget, W, H);
  GuestBacking b{pattern(W, H, 5)};
  attach(r, b);
  std::fill(r.backing.begin(), r.backing.end(), iovec{nullptr, 0});
  r.backing = {};
  ASSERT_EQ(renderer_->transfer_to_host_3d(r, whole(W, H)), Status::Ok);
  const auto sent = b.bytes;
  std::fill(b.bytes.begin(), b.bytes.end(), 0);
  ASSERT_EQ(renderer_->transfer_from_host_3d(r, whole(W, H)), Status::Ok);
  EXPECT_EQ(b.bytes, sent);
}

}  // namespace
}  // namespace vugpu::test
