// RESOURCE_FLUSH: what presenters get, and completion only after every presenter released
// the frame (possibly from another thread), holding back what comes after it.
#include <thread>
#include "test_common.hpp"

namespace vugpu::test {
namespace {

TEST(Flush, EveryPresenterGetsTheFrameAndItsPixels) {
  HarnessOptions o;
  o.presenters = 2;
  DeviceHarness h(o);
  const uint32_t w = 40, hgt = 30;
  const Backing b = h.make_resource(1, w, hgt, VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM);
  const auto img = pattern(w, hgt, 3);
  h.ram.write(b, 0, img);
  ASSERT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, 0)), kOk);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, w, hgt})), kOk);
  ASSERT_EQ(h.call(flush(1, {0, 0, w, hgt})), kOk);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(h.presenter(i).presents.size(), 1u);
    const auto& p = h.presenter(i).presents[0];
    EXPECT_EQ(p.scanout_id, 0u);
    EXPECT_EQ(p.frame.resource_id, 1u);
    EXPECT_EQ(p.frame.width, w);
    EXPECT_EQ(p.frame.height, hgt);
    EXPECT_EQ(p.frame.stride, w * 4);
    EXPECT_EQ(p.frame.fourcc, uint32_t{DRM_FORMAT_ABGR8888});
    EXPECT_EQ(p.damage, (Rect{0, 0, w, hgt}));
    EXPECT_EQ(p.pixels, img);
  }
  EXPECT_EQ(h.device->stats().frames_presented, 2u);
}

TEST(Flush, DamageIsClippedToTheViewInScanoutCoordinates) {
  DeviceHarness h;
  const uint32_t w = 100, hgt = 100;
  const Backing b = h.make_resource(1, w, hgt);
  const auto img = pattern(w, hgt, 4);
  h.ram.write(b, 0, img);
  ASSERT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, 0)), kOk);
  const Rect view{10, 20, 50, 40};
  ASSERT_EQ(h.call(set_scanout(0, 1, view)), kOk);
  ASSERT_EQ(h.call(flush(1, {0, 0, 30, 30})), kOk);
  ASSERT_EQ(h.presenter().presents.size(), 1u);
  const auto& p = h.presenter().presents[0];
  EXPECT_EQ(p.frame.view, view);
  EXPECT_EQ(p.damage, (Rect{0, 0, 20, 10}));  // (10..30, 20..30) of the resource
  EXPECT_EQ(p.pixels, crop(img, w, {10, 20, 20, 10}));
}

TEST(Flush, TwoScanoutsShowingPartsOfOneResource) {
  HarnessOptions o;
  o.settings.scanouts = {ScanoutSettings{}, ScanoutSettings{}};
  DeviceHarness h(o);
  const uint32_t w = 64, hgt = 16;
  const Backing b = h.make_resource(1, w, hgt);
  const auto img = pattern(w, hgt, 5);
  h.ram.write(b, 0, img);
  ASSERT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, 0)), kOk);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, 32, 16})), kOk);
  ASSERT_EQ(h.call(set_scanout(1, 1, {32, 0, 32, 16})), kOk);
  ASSERT_EQ(h.call(flush(1, {24, 4, 16, 8})), kOk);
  ASSERT_EQ(h.presenter().presents.size(), 2u);
  const auto& left = h.presenter().presents[0];
  const auto& right = h.presenter().presents[1];
  EXPECT_EQ(left.scanout_id, 0u);
  EXPECT_EQ(left.damage, (Rect{24, 4, 8, 8}));
  EXPECT_EQ(left.pixels, crop(img, w, {24, 4, 8, 8}));
  EXPECT_EQ(right.scanout_id, 1u);
  EXPECT_EQ(right.damage, (Rect{0, 4, 8, 8}));
  EXPECT_EQ(right.pixels, crop(img, w, {32, 4, 8, 8}));
}

TEST(Flush, NothingToPresent) {
  DeviceHarness h;
  h.make_resource(1, 64, 64);
  EXPECT_EQ(h.call(flush(1, {0, 0, 64, 64})), kOk);  // not on a scanout
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, 32, 32})), kOk);
  EXPECT_EQ(h.call(flush(1, {32, 32, 32, 32})), kOk);  // outside the view
  EXPECT_EQ(h.call(flush(1, {0, 0, 0, 0})), kOk);
  EXPECT_TRUE(h.presenter().presents.empty());
}

TEST(Flush, Errors) {
  DeviceHarness h;
  EXPECT_EQ(h.call(flush(1, {0, 0, 1, 1})), kErrResource);
  h.make_resource(1, 64, 64);
  EXPECT_EQ(h.call(flush(1, {0, 0, 65, 1})), kErrParam);
  EXPECT_EQ(h.call(flush(1, {0xffffffffu, 0, 2, 1})), kErrParam);
  EXPECT_EQ(h.call(flush(1, {0, 0xffffffffu, 1, 2})), kErrParam);
}

// A flush whose presenter holds the frame, released from another thread.
struct HeldFlush : ::testing::Test {
  void SetUp() override {
    img = pattern(w, hgt, 6);
    backing = h.make_resource(1, w, hgt);
    h.ram.write(backing, 0, img);
    ASSERT_EQ(h.call(transfer_2d(1, {0, 0, w, hgt}, 0)), kOk);
    ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, w, hgt})), kOk);
    h.presenter().hold_releases = true;
  }
  void release_from_another_thread() {
    std::vector<FrameRelease> held = std::move(h.presenter().held);
    h.presenter().held.clear();
    std::thread([held = std::move(held)]() mutable {
      for (auto& r : held) r.release();
    }).join();
  }
  const uint32_t w = 32, hgt = 8;
  DeviceHarness h;
  Backing backing;
  std::vector<uint8_t> img;
};

TEST_F(HeldFlush, CompletesOnlyAfterTheRelease) {
  Submitted& f = h.submit(QueueId::Control, flush(1, {0, 0, w, hgt}));
  EXPECT_FALSE(f.completed);
  h.drain();
  EXPECT_FALSE(f.completed);
  release_from_another_thread();
  EXPECT_FALSE(f.completed);  // the release posts to the loop; nothing happens on the other thread
  ASSERT_TRUE(h.run_until([&] { return f.completed; }));
  EXPECT_EQ(f.type(), kOk);
}

TEST_F(HeldFlush, HoldsBackALaterFencedCommandAndKeepsTheOrder) {
  const size_t before = h.completions.size();
  Submitted& f = h.submit(QueueId::Control, flush(1, {0, 0, w, hgt}));
  Submitted& later = h.submit(QueueId::Control, fenced(get_display_info(), 41));
  Submitted& last = h.submit(QueueId::Control, get_display_info());
  EXPECT_FALSE(f.completed);
  EXPECT_FALSE(later.completed);
  EXPECT_FALSE(last.completed);
  release_from_another_thread();
  ASSERT_TRUE(h.run_until([&] { return last.completed; }));
  ASSERT_EQ(h.completions.size(), before + 3);
  EXPECT_EQ(h.completions[before].second, f.head);
  EXPECT_EQ(h.completions[before + 1].second, later.head);
  EXPECT_EQ(h.completions[before + 2].second, last.head);
  EXPECT_EQ(later.type(), uint32_t{VIRTIO_GPU_RESP_OK_DISPLAY_INFO});
  EXPECT_EQ(later.header().flags, uint32_t{VIRTIO_GPU_FLAG_FENCE});
  EXPECT_EQ(later.header().fence_id, 41u);
}

TEST_F(HeldFlush, LaterCommandsDoNotTouchAFrameAPresenterStillReads) {
  Submitted& f = h.submit(QueueId::Control, flush(1, {0, 0, w, hgt}));
  const auto second = pattern(w, hgt, 7);
  h.ram.write(backing, 0, second);
  Submitted& t = h.submit(QueueId::Control, transfer_2d(1, {0, 0, w, hgt}, 0));
  Submitted& u = h.submit(QueueId::Control, unref(1));
  EXPECT_FALSE(t.completed);
  // The presenter still holds the frame: its pixels are still the first image.
  const Frame& held = h.presenter().presents[0].frame;
  EXPECT_EQ(std::vector<uint8_t>(held.pixels, held.pixels + size_t{w} * hgt * 4), img);
  EXPECT_EQ(h.device->stats().resources, 1u);
  release_from_another_thread();
  ASSERT_TRUE(h.run_until([&] { return u.completed; }));
  EXPECT_TRUE(f.completed);
  EXPECT_EQ(t.type(), kOk);
  EXPECT_EQ(u.type(), kOk);
  EXPECT_EQ(h.device->stats().resources, 0u);
}

TEST_F(HeldFlush, TheCursorQueueIsNotHeldBack) {
  Submitted& f = h.submit(QueueId::Control, flush(1, {0, 0, w, hgt}));
  Submitted& m = h.submit(QueueId::Cursor, move_cursor(0, 5, 6), SubmitOptions{.response_capacity = 0});
  EXPECT_FALSE(f.completed);
  EXPECT_TRUE(m.completed);
  release_from_another_thread();
  ASSERT_TRUE(h.run_until([&] { return f.completed; }));
}

TEST(Flush, EveryPresenterMustRelease) {
  // The second presenter releases at once; the flush still waits for the first.
  HarnessOptions o;
  o.presenters = 2;
  DeviceHarness two(o);
  two.make_resource(1, 8, 8);
  ASSERT_EQ(two.call(set_scanout(0, 1, {0, 0, 8, 8})), kOk);
  two.presenter(0).hold_releases = true;
  Submitted& f = two.submit(QueueId::Control, flush(1, {0, 0, 8, 8}));
  two.drain();
  EXPECT_FALSE(f.completed);
  two.presenter(0).held.clear();  // releases on the loop thread: still posted, never inline
  EXPECT_FALSE(f.completed);
  ASSERT_TRUE(two.run_until([&] { return f.completed; }));
}

TEST_F(HeldFlush, AReleaseAfterTheDeviceIsGoneIsHarmless) {
  Submitted& f = h.submit(QueueId::Control, flush(1, {0, 0, w, hgt}));
  std::vector<FrameRelease> stolen = std::move(h.presenter().held);
  h.presenter().held.clear();
  h.device.reset();
  for (auto& r : stolen) r.release();
  h.drain();  // the posted completion finds no device and does nothing
  EXPECT_FALSE(f.completed);
}

}  // namespace
}  // namespace vugpu::test
