// TRANSFER_TO_HOST_2D through the device: bounds checks with 64-bit arithmetic, and pixels
// arriving where the Linux driver's offset convention puts them.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

// A w x h resource on scanout 0, showing all of it; returns its backing.
Backing on_screen(DeviceHarness& h, uint32_t id, uint32_t w, uint32_t hgt, DeviceHarness::Layout layout) {
  Backing b = h.make_resource(id, w, hgt, kXrgb, layout);
  EXPECT_EQ(h.call(set_scanout(0, id, {0, 0, w, hgt})), kOk);
  return b;
}

// What the presenter saw of `r` after a flush of it.
std::vector<uint8_t> shown(DeviceHarness& h, uint32_t id, const Rect& r) {
  EXPECT_EQ(h.call(flush(id, r)), kOk);
  EXPECT_FALSE(h.presenter().presents.empty());
  return h.presenter().presents.back().pixels;
}

TEST(Transfer, FullImageFromScatteredPagesArrivesExactly) {
  DeviceHarness h;
  const uint32_t w = 100, hgt = 37;  // 400-byte rows: most cross a page boundary
  const Backing b = on_screen(h, 1, w, hgt, DeviceHarness::Layout::Pages);
  const auto img = pattern(w, hgt, 1);
  h.ram.write(b, 0, img);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, 0)), kOk);
  EXPECT_EQ(shown(h, 1, {0, 0, w, hgt}), img);
  EXPECT_EQ(h.links.bytes_copied.load(), uint64_t{w} * hgt * 4);
}

TEST(Transfer, SubRectangleWithTheLinuxOffsetConvention) {
  DeviceHarness h;
  const uint32_t w = 61, hgt = 29;
  const Backing b = on_screen(h, 1, w, hgt, DeviceHarness::Layout::Chunks);
  const auto first = pattern(w, hgt, 1);
  h.ram.write(b, 0, first);
  ASSERT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, 0)), kOk);
  // The guest draws into a sub-rectangle and sends offset = y * stride + x * 4.
  const auto second = pattern(w, hgt, 2);
  h.ram.write(b, 0, second);
  const Rect r{7, 5, 13, 11};
  ASSERT_EQ(h.call(transfer_2d(1, r, uint64_t{r.y} * w * 4 + r.x * 4)), kOk);
  auto expected = first;
  for (uint32_t y = r.y; y < r.y + r.height; ++y)
    std::copy_n(&second[(size_t{y} * w + r.x) * 4], r.width * 4, &expected[(size_t{y} * w + r.x) * 4]);
  EXPECT_EQ(shown(h, 1, {0, 0, w, hgt}), expected);
}

TEST(Transfer, WithoutBackingIsAnError) {
  DeviceHarness h;
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 8, 8)), kOk);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 8, 8}, 0)), kErrUnspec);
}

TEST(Transfer, ToAnUnknownResource) {
  DeviceHarness h;
  EXPECT_EQ(h.call(transfer_2d(4, {0, 0, 1, 1}, 0)), kErrResource);
}

TEST(Transfer, RectanglesOutsideTheResource) {
  DeviceHarness h;
  h.make_resource(1, 32, 16);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 33, 16}, 0)), kErrParam);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 32, 17}, 0)), kErrParam);
  EXPECT_EQ(h.call(transfer_2d(1, {32, 0, 1, 1}, 0)), kErrParam);
  // x + width and y + height wrap 2^32 to small numbers: a 32-bit check would pass them.
  EXPECT_EQ(h.call(transfer_2d(1, {0xfffffff0u, 0, 0x20, 1}, 0)), kErrParam);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0xfffffff8u, 1, 0x10}, 0)), kErrParam);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 32, 16}, 0)), kOk);
}

TEST(Transfer, OffsetAndStrideMustStayInsideTheBacking) {
  DeviceHarness h;
  const uint32_t w = 16, hgt = 8, stride = w * 4;
  h.make_resource(1, w, hgt);  // backing: exactly w * h * 4 bytes
  // The last row's last byte ends exactly at the backing's end: fine.
  EXPECT_EQ(h.call(transfer_2d(1, {8, 7, 8, 1}, uint64_t{7} * stride + 8 * 4)), kOk);
  // One pixel further is not.
  EXPECT_EQ(h.call(transfer_2d(1, {8, 7, 8, 1}, uint64_t{7} * stride + 8 * 4 + 4)), kErrParam);
  // A full-size rect with any offset overruns.
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, 4)), kErrParam);
  // Offsets that wrap 2^64 when the rows are added.
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, UINT64_MAX - 8)), kErrParam);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 1, 1}, UINT64_MAX)), kErrParam);
  EXPECT_EQ(h.links.bytes_copied.load(), 8u * 4);
}

TEST(Transfer, BackingSmallerThanTheResource) {
  DeviceHarness h;
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 16, 16)), kOk);
  ASSERT_EQ(h.call(attach_backing(1, h.ram.scattered_pages(16 * 4 * 4))), kOk);  // 4 rows
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 16, 4}, 0)), kOk);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 16, 5}, 0)), kErrParam);
}

TEST(Transfer, EmptyRectangleCopiesNothing) {
  DeviceHarness h;
  h.make_resource(1, 8, 8);
  EXPECT_EQ(h.call(transfer_2d(1, {3, 3, 0, 5}, 0)), kOk);
  EXPECT_EQ(h.call(transfer_2d(1, {3, 3, 5, 0}, UINT64_MAX)), kOk);
  EXPECT_EQ(h.links.bytes_copied.load(), 0u);
}

TEST(Transfer, BackingAcrossTwoGuestMemoryRegions) {
  DeviceHarness h;
  const uint32_t w = 64, hgt = 64;
  ASSERT_EQ(h.call(create_2d(1, kXrgb, w, hgt)), kOk);
  // One entry that starts below the boundary of the two regions and ends above it.
  const Backing b = h.ram.contiguous(h.ram.boundary_gpa() - 5000, uint64_t{w} * hgt * 4);
  ASSERT_EQ(h.call(attach_backing(1, b)), kOk);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, w, hgt})), kOk);
  const auto img = pattern(w, hgt, 9);
  h.ram.write(b, 0, img);
  ASSERT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, 0)), kOk);
  EXPECT_EQ(shown(h, 1, {0, 0, w, hgt}), img);
}

}  // namespace
}  // namespace vugpu::test
