// The cursor queue: UPDATE_CURSOR and MOVE_CURSOR.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

constexpr uint32_t kCursor = 64;

// A 64x64 cursor resource of `format` holding `img`.
void make_cursor(DeviceHarness& h, uint32_t id, uint32_t format, const std::vector<uint8_t>& img) {
  const Backing b = h.make_resource(id, kCursor, kCursor, format);
  h.ram.write(b, 0, img);
  ASSERT_EQ(h.call(transfer_2d(id, {0, 0, kCursor, kCursor}, 0)), kOk);
}

uint32_t word(const std::vector<uint8_t>& img, size_t pixel) {
  uint32_t v;
  std::memcpy(&v, &img[pixel * 4], 4);
  return v;
}

TEST(Cursor, UpdateSendsTheImageHotSpotAndPosition) {
  DeviceHarness h;
  const auto img = pattern(kCursor, kCursor, 11);
  make_cursor(h, 5, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, img);  // DRM ARGB8888, what Linux uses
  h.cursor(update_cursor(0, 100, 200, 5, 3, 4));
  ASSERT_EQ(h.presenter().cursor.size(), 1u);
  const auto& c = h.presenter().cursor[0];
  EXPECT_FALSE(c.move);
  EXPECT_TRUE(c.visible);
  EXPECT_EQ(c.scanout_id, 0u);
  EXPECT_EQ(c.x, 100u);
  EXPECT_EQ(c.y, 200u);
  EXPECT_EQ(c.hot_x, 3u);
  EXPECT_EQ(c.hot_y, 4u);
  ASSERT_EQ(c.argb.size(), size_t{kCursor} * kCursor);
  for (size_t i = 0; i < c.argb.size(); ++i) ASSERT_EQ(c.argb[i], word(img, i)) << i;
}

TEST(Cursor, OtherFormatsAreReorderedToArgb) {
  DeviceHarness h;
  const auto img = pattern(kCursor, kCursor, 12);
  make_cursor(h, 1, VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, img);  // bytes R, G, B, A
  make_cursor(h, 2, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM, img);  // bytes R, G, B, X
  h.cursor(update_cursor(0, 0, 0, 1, 0, 0));
  h.cursor(update_cursor(0, 0, 0, 2, 0, 0));
  ASSERT_EQ(h.presenter().cursor.size(), 2u);
  for (size_t i = 0; i < size_t{kCursor} * kCursor; ++i) {
    const uint8_t* p = &img[i * 4];
    const uint32_t rgb = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    ASSERT_EQ(h.presenter().cursor[0].argb[i], (uint32_t{p[3]} << 24) | rgb) << i;
    ASSERT_EQ(h.presenter().cursor[1].argb[i], (uint32_t{p[3]} << 24) | rgb) << i;  // X byte = alpha
  }
}

// Linux creates the cursor's dumb buffer as B8G8R8X8 (DRM XRGB8888) and fills it with ARGB8888
// pixels: the X byte must reach the VMM as alpha (modetest -C draws 0x77777777, translucent).
TEST(Cursor, XrgbDumbBufferKeepsItsAlphaByte) {
  DeviceHarness h;
  const std::vector<uint8_t> img(kCursor * kCursor * 4, 0x77);
  make_cursor(h, 3, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, img);
  h.cursor(update_cursor(0, 0, 0, 3, 0, 0));
  ASSERT_EQ(h.presenter().cursor.size(), 1u);
  for (uint32_t px : h.presenter().cursor[0].argb) ASSERT_EQ(px, 0x77777777u);
}

TEST(Cursor, ResourceZeroHides) {
  DeviceHarness h;
  h.cursor(update_cursor(0, 1, 2, 0, 0, 0));
  ASSERT_EQ(h.presenter().cursor.size(), 1u);
  EXPECT_FALSE(h.presenter().cursor[0].visible);
}

TEST(Cursor, BadUpdatesChangeNothing) {
  DeviceHarness h;
  make_cursor(h, 1, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, pattern(kCursor, kCursor, 1));
  h.make_resource(2, 32, 32);
  const uint64_t errors = h.device->stats().errors;
  h.cursor(update_cursor(0, 0, 0, 2, 0, 0));    // not 64x64
  h.cursor(update_cursor(0, 0, 0, 9, 0, 0));    // no such resource
  h.cursor(update_cursor(0, 0, 0, 1, 64, 0));   // hot spot outside
  h.cursor(update_cursor(0, 0, 0, 1, 0, 1u << 31));
  h.cursor(update_cursor(1, 0, 0, 1, 0, 0));    // no such scanout
  h.cursor(update_cursor(16, 0, 0, 1, 0, 0));
  EXPECT_TRUE(h.presenter().cursor.empty());
  EXPECT_EQ(h.device->stats().errors, errors + 6);
}

TEST(Cursor, Move) {
  DeviceHarness h;
  h.cursor(move_cursor(0, 17, 23));
  h.cursor(move_cursor(3, 1, 1));  // bad scanout: ignored
  ASSERT_EQ(h.presenter().cursor.size(), 1u);
  EXPECT_TRUE(h.presenter().cursor[0].move);
  EXPECT_EQ(h.presenter().cursor[0].x, 17u);
  EXPECT_EQ(h.presenter().cursor[0].y, 23u);
}

// Linux names the cursor's resource in every MOVE_CURSOR; resource 0 means "no cursor". Both of
// QEMU's devices hide it then (dpy_mouse_set visible = resource_id != 0; CURSOR_POS_HIDE).
TEST(Cursor, MoveNamingResourceZeroHidesAndAMoveNamingOneShowsTheImageAgain) {
  DeviceHarness h;
  make_cursor(h, 1, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, pattern(kCursor, kCursor, 3));
  h.cursor(update_cursor(0, 0, 0, 1, 5, 6));
  h.cursor(move_cursor(0, 40, 50, 0));
  ASSERT_EQ(h.presenter().cursor.size(), 2u);
  EXPECT_FALSE(h.presenter().cursor[1].visible);
  EXPECT_EQ(h.presenter().cursor[1].x, 40u);
  h.cursor(move_cursor(0, 41, 51, 0));  // still hidden
  ASSERT_EQ(h.presenter().cursor.size(), 3u);
  EXPECT_FALSE(h.presenter().cursor[2].visible);
  h.cursor(move_cursor(0, 60, 70, 1));
  ASSERT_EQ(h.presenter().cursor.size(), 4u);
  const auto& shown = h.presenter().cursor[3];
  EXPECT_TRUE(shown.visible);
  EXPECT_FALSE(shown.move) << "the presenter forgot the image when it hid it: send it again";
  EXPECT_EQ(shown.x, 60u);
  EXPECT_EQ(shown.hot_x, 5u);
  EXPECT_EQ(shown.hot_y, 6u);
  EXPECT_EQ(shown.argb, h.presenter().cursor[0].argb);
  h.cursor(move_cursor(0, 61, 71, 1));  // visible: a plain move
  ASSERT_EQ(h.presenter().cursor.size(), 5u);
  EXPECT_TRUE(h.presenter().cursor[4].move);
}

TEST(Cursor, CommandsOnTheWrongQueue) {
  DeviceHarness h;
  EXPECT_EQ(h.call(move_cursor(0, 1, 1)), kErrUnspec);
  Submitted& s = h.submit(QueueId::Cursor, get_display_info());
  EXPECT_TRUE(s.completed);
  EXPECT_EQ(s.written, 0u);  // the cursor queue carries no responses
  EXPECT_EQ(s.response[0], 0xaa);
  EXPECT_TRUE(h.presenter().cursor.empty());
}

TEST(Cursor, UnrefOfTheCursorResourceKeepsTheImageOnScreen) {
  DeviceHarness h;
  make_cursor(h, 1, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, pattern(kCursor, kCursor, 2));
  h.cursor(update_cursor(0, 0, 0, 1, 0, 0));
  ASSERT_EQ(h.call(unref(1)), kOk);
  EXPECT_EQ(h.presenter().cursor.size(), 1u);  // no hide
  h.cursor(move_cursor(0, 9, 9));
  EXPECT_EQ(h.presenter().cursor.size(), 2u);
}

}  // namespace
}  // namespace vugpu::test
