// Device::reset(): everything the guest named is gone; pending commands are dropped, never
// completed; late releases and signals find nothing.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

TEST(Reset, DropsResourcesScanoutsAndTellsPresenters) {
  DeviceHarness h;
  h.make_resource(1, 16, 16);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, 16, 16})), kOk);
  h.device->reset();
  EXPECT_EQ(h.presenter().resets, 1);
  EXPECT_EQ(h.device->stats().resources, 0u);
  EXPECT_EQ(h.device->stats().host_bytes, 0u);
  EXPECT_EQ(h.call(flush(1, {0, 0, 16, 16})), kErrResource);
  h.make_resource(1, 16, 16);  // ids are free again
  EXPECT_EQ(h.call(flush(1, {0, 0, 16, 16})), kOk);
  EXPECT_TRUE(h.presenter().presents.empty());  // and it is not on a scanout
}

TEST(Reset, PendingCommandsAreDroppedNotCompleted) {
  DeviceHarness h;
  h.make_resource(1, 16, 16);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, 16, 16})), kOk);
  h.presenter().hold_releases = true;
  Submitted& f = h.submit(QueueId::Control, flush(1, {0, 0, 16, 16}));
  Submitted& later = h.submit(QueueId::Control, get_display_info());
  std::vector<FrameRelease> stolen = std::move(h.presenter().held);
  h.presenter().held.clear();
  const size_t completed = h.completions.size();
  h.device->reset();
  for (auto& r : stolen) r.release();
  h.drain();
  EXPECT_EQ(h.completions.size(), completed);
  EXPECT_FALSE(f.completed);
  EXPECT_FALSE(later.completed);
  h.presenter().hold_releases = false;
  EXPECT_EQ(h.call(get_display_info()), uint32_t{VIRTIO_GPU_RESP_OK_DISPLAY_INFO});  // the queue works again
}

TEST(Reset, DestroysContextsAndForgetsFences) {
  HarnessOptions o = scripted_options();
  o.script = [](ScriptedRenderer& r) { r.defer_fences = true; };
  DeviceHarness h(o);
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  ASSERT_EQ(h.call(ctx_create(2, "b")), kOk);
  Submitted& s = h.submit(QueueId::Control, fenced(submit_3d(1, 0, {}), 3, 1));
  h.device->reset();
  EXPECT_EQ(h.scripted->contexts_destroyed.size(), 2u);
  EXPECT_EQ(h.scripted->resets, 1) << "the renderer must forget its fences too";
  h.device->fence_signalled(0, 0, 3);
  EXPECT_FALSE(s.completed);
  EXPECT_EQ(h.call(ctx_create(1, "again")), kOk);
}

TEST(Reset, ScanoutsLearntFromAPresenterAreForgotten) {
  DeviceHarness h;
  h.presenter().display = std::vector<DisplayMode>{{640, 480, true}, {640, 480, true}};
  h.make_resource(1, 16, 16);
  ASSERT_EQ(h.call(set_scanout(1, 1, {0, 0, 16, 16})), kOk);
  h.device->reset();
  h.presenter().display.reset();  // the next VMM has one output
  h.make_resource(1, 16, 16);
  EXPECT_EQ(h.call(set_scanout(1, 1, {0, 0, 16, 16})), kErrScanout);
}

}  // namespace
}  // namespace vugpu::test
